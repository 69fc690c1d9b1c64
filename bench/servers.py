"""The servers under test and how each is configured."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OURS, BARE, JEDI = "numpyro-lsp", "bare-pygls", "jedi-ls"

# jedi-language-server publishes its diagnostics (a ``compile`` of the document) through
# ``@jedi_utils.debounce(1, keyed_by="uri")`` in its server.py: a fixed 1 s wait after
# didOpen, didChange and didSave that no option turns off. Its ratios subtract it.
JEDI_DIAGNOSTICS_DEBOUNCE_S = 1.0


@dataclass(frozen=True)
class ServerSpec:
    name: str
    command: tuple[str, ...]
    hover: bool = False
    diagnostics: bool = False
    code_actions: bool = False
    initialization_options: dict[str, Any] | None = None
    # A wait the server puts before every publishDiagnostics, which it cannot be told to skip.
    diagnostics_debounce_s: float = 0.0


def server_specs() -> list[ServerSpec]:
    venv_bin = Path(sys.executable).parent
    return [
        ServerSpec(
            OURS,
            (sys.executable, "-m", "numpyro_lsp"),
            hover=True,
            diagnostics=True,
            code_actions=True,
            # Diagnostics as soon as a change arrives: the latency measured is the check's.
            initialization_options={"numpyro": {"debounceMs": 0}},
        ),
        ServerSpec(BARE, (sys.executable, str(BENCH / "bare_pygls_server.py"))),
        ServerSpec(
            JEDI,
            (str(venv_bin / "jedi-language-server"),),
            hover=True,
            diagnostics=True,
            code_actions=True,
            # Option names from jedi_language_server/initialization_options.py (camelCase).
            initialization_options={
                "diagnostics": {"enable": True, "didOpen": True, "didChange": True, "didSave": True}
            },
            diagnostics_debounce_s=JEDI_DIAGNOSTICS_DEBOUNCE_S,
        ),
    ]


def with_project_interpreter(spec: ServerSpec) -> ServerSpec:
    """Our server as VS Code starts it: in an environment of its own, told the project's
    interpreter, which it asks for its numpyro in a subprocess at start. Here that is this
    virtualenv under another name (``python3`` beside ``python``): the same packages, but
    not the server's own interpreter by path, so the question is asked."""
    python = Path(sys.executable)
    other = python.with_name("python3" if python.name != "python3" else "python")
    options = dict(spec.initialization_options or {})
    options["numpyro"] = {**options.get("numpyro", {}), "interpreter": str(other)}
    return replace(spec, name=f"{spec.name}-project-interpreter", initialization_options=options)


def by_name(name: str) -> ServerSpec:
    return next(spec for spec in server_specs() if spec.name == name)
