"""Which open documents keep their trees and analysis in memory between requests.

A document's analysis costs about 4 KiB per line (its stdlib AST is half of it), and it is
kept so that the next edit re-parses only what changed and a hover or code action answers
at once. Kept for every open document, it grows with each large file opened: three open
10,000-line files held 120 MiB (docs/performance.md). The server keeps it for the documents
used last, up to ``keptAnalysisLines`` lines in all, and always for the one used last; a
document beyond that is released: its findings stay published, and the next request or edit
parses it again, which costs what opening it cost.

The last use of a document is the last time the server took a snapshot of it for the user:
each change, and each request about it (``NumpyroLanguageServer.parsed``); not a check the
server runs on its own (after a settings change, or of a file that imports one that
changed), which puts the documents back within the budget once it is published.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import NamedTuple


class OpenDocument(NamedTuple):
    key: str
    lines: int
    holds_analysis: bool


def to_release(recent_first: Iterable[OpenDocument], kept_lines: int) -> list[str]:
    """The documents whose analysis goes: those, after the one used last, past the first
    ``kept_lines`` lines of documents in the order of their last use."""
    released: list[str] = []
    total = 0
    for position, document in enumerate(recent_first):
        total += document.lines
        if position > 0 and total > kept_lines and document.holds_analysis:
            released.append(document.key)
    return released


class RecentUse:
    """The order in which documents were last used (on the event loop)."""

    def __init__(self) -> None:
        self._ticks = itertools.count()
        self._last: dict[str, int] = {}

    def used(self, key: str) -> None:
        self._last[key] = next(self._ticks)

    def forget(self, key: str) -> None:
        self._last.pop(key, None)

    def recent_first(self, keys: Iterable[str]) -> list[str]:
        return sorted(keys, key=lambda key: self._last.get(key, -1), reverse=True)
