"""What the server and the smoke-test worker say to each other: one JSON object per line.

Server -> worker: ``run`` (a ``RunRequest``) and ``cancel``. Worker -> server: ``ready``
once jax is imported, ``phase`` when a run enters loading or compiling, ``progress`` from
inside the compiled sampler, and one of ``result``, ``error`` or ``cancelled`` per run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

RUN = "run"
CANCEL = "cancel"
READY = "ready"
PHASE = "phase"
PROGRESS = "progress"
RESULT = "result"
ERROR = "error"
CANCELLED = "cancelled"

# Stands for the argument text in the file name of its compiled code, so that tracebacks
# through it can be told apart from the user's file.
ARGUMENTS_FILENAME = "<numpyro smoke-args>"

# What a notebook's ``%run helpers.py`` becomes in the program a smoke test runs: a call of
# this, which the worker defines (it runs the definitions and imports of the file).
RUN_FILE_FUNCTION = "__numpyro_lsp_run_file__"

# The environment variable that tells the worker where JAX's persistent compilation cache is
# (``compile_cache.py``); ``off`` turns it off.
COMPILE_CACHE_VARIABLE = "NUMPYRO_LSP_COMPILE_CACHE"


@dataclass(frozen=True)
class RunRequest:
    id: int
    path: str
    source: str
    # Indices into the module's top-level statements: what the worker executes.
    kept_statements: list[int]
    model: str
    # Call-argument text (``J, sigma, y=y``) evaluated in the file's namespace.
    arguments: str
    warmup: int
    samples: int
    chains: int
    seed: int
    # The parameterization advisor's runs (smoke/variants.py): the sites put under
    # LocScaleReparam, each with its family's shape parameters (part of the compiled
    # sampler), and each one's ``centered`` for this run (a run argument, like the seed).
    reparam: dict[str, list[str]] = field(default_factory=dict)
    centered: list[float] = field(default_factory=list)
    # Scripts as written (smoke/script_slice.py): source texts run in order after the kept
    # statements, each at the file's own line numbers, that build the arguments.
    script: list[str] = field(default_factory=list)
    # ``DiscreteHMCGibbs``'s options, when the file samples the model with it: NUTS in it.
    gibbs: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"type": RUN, **asdict(self)}

    @classmethod
    def from_json(cls, message: dict[str, Any]) -> RunRequest:
        return cls(**{k: v for k, v in message.items() if k != "type"})

    def compiled_key(self) -> str:
        """What a compiled sampler depends on: everything but the seed and the centering,
        run arguments."""
        data = asdict(self)
        del data["id"], data["seed"], data["centered"]
        return json.dumps(data, sort_keys=True)


def encode(message: dict[str, Any]) -> str:
    # Not-a-number becomes null: JSON has no NaN, and the client must be able to read it.
    return json.dumps(_finite(message), separators=(",", ":")) + "\n"


def decode(line: str) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict) or "type" not in message:
        raise ValueError(f"not a smoke-test message: {line[:200]!r}")
    return message


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
