"""The client's copy of a document for the soak: a fragment typed somewhere, then taken out
again, so the document never drifts far from the model it started as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messages import Range, did_change_params


def end_of(line: int, character: int, text: str) -> dict[str, int]:
    """Where ``text`` inserted at (line, character) ends (ASCII and BMP text only)."""
    parts = text.split("\n")
    if len(parts) == 1:
        return {"line": line, "character": character + len(text)}
    return {"line": line + len(parts) - 1, "character": len(parts[-1])}


@dataclass
class Mirror:
    uri: str
    text: str
    version: int = 1
    # The range of the fragment typed last, until it is taken out.
    typed: Range | None = None
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")

    def _apply(self, range_: Range, new_text: str) -> dict[str, Any]:
        start, end = range_["start"], range_["end"]
        before = self.lines[start["line"]][: start["character"]]
        after = self.lines[end["line"]][end["character"] :]
        replaced = (before + new_text + after).split("\n")
        self.lines[start["line"] : end["line"] + 1] = replaced
        self.text = "\n".join(self.lines)
        self.version += 1
        return did_change_params(self.uri, self.version, range_, new_text)

    def type(self, line: int, character: int, fragment: str) -> dict[str, Any]:
        position = {"line": line, "character": character}
        self.typed = {"start": position, "end": end_of(line, character, fragment)}
        return self._apply({"start": position, "end": dict(position)}, fragment)

    def take_back(self) -> dict[str, Any]:
        assert self.typed is not None
        typed, self.typed = self.typed, None
        return self._apply(typed, "")
