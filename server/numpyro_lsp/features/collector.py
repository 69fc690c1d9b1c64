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

A check that parsed a whole file (its opening, a re-parse after an unclosed bracket) leaves
tens or hundreds of thousands of objects, most of them the analysis kept for the next
edits. Left to the collector, they were scanned once by the pass above, which moves them to
the middle generation, and all again ten passes later, which moves them to the oldest: 80
ms on a 10,000-line file, in the middle of typing. Such a check's pass collects both young
generations at once (``LARGE_YOUNG``), so that what it leaves reaches the oldest in one
scan, right after its findings are out.

That pass waits ``CATCH_UP_DELAY`` for the next message: an editor that restores its tabs
opens several documents at once, and each of them was checked only after the pass over what
the previous one left (5 ms on 2,014 lines). A check that starts meanwhile puts the pass
off, and one pass covers both, for ``CATCH_UP_LIMIT`` at most.

Fewer collections while the user types also means fewer full ones, which free what an edit
left in cycles: once no check has run for ``IDLE_SECONDS``, one full collection frees it
(``AtRest``), so memory at rest does not wait for the next full collection.
"""

from __future__ import annotations

import asyncio
import gc
import threading

# How long the server is idle (no check ran) before a full collection.
IDLE_SECONDS = 1.0
# More new objects than this while paused, and the pass collects both young generations: the
# first check of a 2,014-line file leaves about 50,000, of a 10,007-line one 240,000; an
# edit of the latter, 4,000.
LARGE_YOUNG = 20_000
# How long that pass waits for another check to start, and for how long in all checks that
# follow each other put it off (seconds): the collector is off meanwhile.
CATCH_UP_DELAY = 0.05
CATCH_UP_LIMIT = 1.0


class CollectorPause:
    """``with pause:`` keeps the collector off inside, for as many overlapping holders as
    hold it, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False
        self._catch_up: asyncio.TimerHandle | None = None
        self._put_off_since: float | None = None

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                if self._catch_up is not None:  # the collector is off for it: keep it off
                    self._catch_up.cancel()
                    self._catch_up = None
                else:
                    self._resume = gc.isenabled()
                    gc.disable()
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._resume:
                if gc.get_count()[0] <= LARGE_YOUNG:
                    gc.enable()
                    return
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:  # not on the event loop: nothing to wait for
                    self._collect_young()
                    return
                now = loop.time()
                if self._put_off_since is None:
                    self._put_off_since = now
                if now - self._put_off_since >= CATCH_UP_LIMIT:
                    self._collect_young()  # checks one after another: no later than this
                else:
                    self._catch_up = loop.call_later(CATCH_UP_DELAY, self._caught_up)

    def _caught_up(self) -> None:
        with self._lock:
            self._catch_up = None
            if self._holders == 0:
                self._collect_young()

    def _collect_young(self) -> None:
        self._put_off_since = None
        gc.collect(1)
        gc.enable()

    @property
    def held(self) -> bool:
        return self._holders > 0


# One per process, like the collector itself.
WHILE_CHECKING = CollectorPause()


class AtRest:
    """One full collection once no check has run for ``seconds`` (on the event loop)."""

    def __init__(self, seconds: float = IDLE_SECONDS) -> None:
        self.seconds = seconds
        self._timer: asyncio.TimerHandle | None = None

    def checked(self) -> None:
        """A check ended: collect once none has run for a while."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.seconds, self._collect)

    def _collect(self) -> None:
        self._timer = None
        if not WHILE_CHECKING.held and gc.isenabled():  # a check that runs re-arms it
            gc.collect()


def free_released() -> None:
    """One full collection now, after documents' analyses were released
    (features/retention.py): what an analysis holds is in reference cycles (a function's
    sites point back at it), so only the collector frees it, and a large file opened next
    would otherwise be parsed while it is still held, raising the memory's high-water
    mark by a whole document. It happens only when a document is released, and holds the
    event loop for 0.15 to 0.4 s when that document has 10,000 lines (docs/performance.md)."""
    gc.collect()
