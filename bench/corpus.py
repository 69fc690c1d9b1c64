"""Generated files of any size: the examples and the correct-model corpus, copied with their
function names made unique so any number of copies can share one file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The examples first: every generated file then starts with eight schools, whose centered
# ``theta`` gets a finding and a code action, so even the smallest file has something to say.
SOURCES = sorted((ROOT / "examples").glob("*.py")) + sorted(
    (ROOT / "tests" / "corpus" / "correct").glob("*.py")
)


def numbered(text: str, index: int) -> str:
    """A program with its function names made unique, so copies can share a file."""
    for name in re.findall(r"^def (\w+)", text, flags=re.M):
        text = re.sub(rf"\b{name}\b", f"{name}_{index}", text)
    return text


def big_file(lines: int) -> str:
    """Whole programs, one after another, until there are at least ``lines`` lines."""
    parts: list[str] = []
    total = index = 0
    while total < lines:
        text = numbered(SOURCES[index % len(SOURCES)].read_text(encoding="utf-8"), index)
        parts.append(text)
        total += text.count("\n") + 1
        index += 1
    return "\n".join(parts)


def line_count(text: str) -> int:
    return text.count("\n") + 1
