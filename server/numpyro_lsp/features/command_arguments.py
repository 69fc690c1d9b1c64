"""The types of the commands' arguments. pygls builds each positional argument of a command
handler from its JSON by the parameter's annotation, with the server's converter; the one
made here adds strict strings (cattrs would make a string of any value), so a wrong argument
is answered with InvalidParams naming it."""

from __future__ import annotations

from typing import Any, NewType

import cattrs
from pygls.protocol import default_converter

DocumentUri = NewType("DocumentUri", str)
FunctionName = NewType("FunctionName", str)


def _string(value: Any, kind: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string for the {kind.__name__}, got {value!r}")
    return value


def command_converter() -> cattrs.Converter:
    """pygls's converter, with the argument types above."""
    converter = default_converter()
    for kind in (DocumentUri, FunctionName):
        converter.register_structure_hook(kind, _string)
    return converter
