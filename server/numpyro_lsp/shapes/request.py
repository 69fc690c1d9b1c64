"""The ``shapes`` request the server sends the worker: which model of which file to trace,
with which arguments. Shipped to the project's interpreter with the worker."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SHAPES = "shapes"


@dataclass(frozen=True)
class ShapesRequest:
    id: int
    path: str
    source: str
    # Indices into the module's top-level statements: what the worker executes.
    kept_statements: list[int]
    model: str
    # Call-argument text (``J, sigma, y=y``) evaluated in the file's namespace.
    arguments: str
    # The statements of a script that build the arguments (smoke/script_slice.py), run after
    # the kept ones at the file's own line numbers: the smoke test's ``RunRequest.script``.
    script: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"type": SHAPES, **asdict(self)}

    @classmethod
    def from_json(cls, message: dict[str, Any]) -> ShapesRequest:
        return cls(**{k: v for k, v in message.items() if k != "type"})
