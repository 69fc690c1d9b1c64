"""The cyclic garbage collector waits while a document is checked, and catches up once the
check's findings are published.

A check makes a great many objects (the first parse of a file, the walks of its chunks), and
every 700 of them wake the collector: during the first check of a 2,000-line file it spent
about a third of the check scanning the new tree again and again, and its full collections,
which walk every open document, came in the middle of edits (docs/performance.md). Paused
while checks run, it makes one pass over what a check left once that check has published,
which is when the user has the findings. What a check leaves that is garbage is freed as
before, only later.

The collector is the process's, and checks of several documents overlap: it is paused while
any of them runs, and resumed only if it was on before the first one began.
"""

from __future__ import annotations

import gc
import threading


class CollectorPause:
    """``with pause:`` keeps the collector off inside, for as many overlapping holders as
    hold it, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._resume:
                gc.enable()


# One per process, like the collector itself.
WHILE_CHECKING = CollectorPause()
