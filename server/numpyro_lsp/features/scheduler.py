"""The owner of each open document's checks: debounced while the user types, and a check
that a newer one supersedes is cancelled (its token polled between its stages) and never
publishes. The garbage collector waits while a check runs (features/collector.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from numpyro_lsp.features.cancellation import Cancelled, CancelToken
from numpyro_lsp.features.collector import WHILE_CHECKING, AtRest

Snapshot = TypeVar("Snapshot")
Result = TypeVar("Result")


class CheckScheduler(Generic[Snapshot, Result]):
    """``check(snapshot, token)`` runs in a worker thread on an immutable snapshot taken on
    the event loop; ``publish(snapshot, result)`` runs on the loop, unless the check was
    superseded, cancelled or returned None."""

    def __init__(
        self,
        check: Callable[[Snapshot, CancelToken], Result | None],
        publish: Callable[[Snapshot, Result], None],
    ) -> None:
        self._check = check
        self._publish = publish
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, tuple[CancelToken, asyncio.Task]] = {}
        self.at_rest = AtRest()

    def later(self, key: str, delay: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` once ``key`` has been quiet for ``delay`` seconds."""
        self._cancel_timer(key)

        def fire() -> None:
            self._timers.pop(key, None)
            callback()

        self._timers[key] = asyncio.get_running_loop().call_later(delay, fire)

    def start(self, key: str, snapshot: Snapshot) -> asyncio.Task:
        """Check ``snapshot`` now, cancelling the check of ``key`` it supersedes."""
        self._cancel_check(key)
        token = CancelToken()
        task = asyncio.ensure_future(self._run(key, snapshot, token))
        self._running[key] = (token, task)
        return task

    def running(self, key: str) -> bool:
        return key in self._running

    def cancel(self, key: str) -> None:
        """Drop the pending and the running check of ``key``."""
        self._cancel_timer(key)
        self._cancel_check(key)

    async def _run(self, key: str, snapshot: Snapshot, token: CancelToken) -> None:
        # The garbage collector waits until the findings are out, and collects in full once
        # the server is idle (features/collector.py).
        try:
            with WHILE_CHECKING:
                try:
                    result = await asyncio.to_thread(self._check, snapshot, token)
                except Cancelled:
                    return
                finally:
                    if self._running.get(key, (None,))[0] is token:
                        del self._running[key]
                if result is not None and not token.cancelled:
                    self._publish(snapshot, result)
        finally:
            self.at_rest.checked()

    def _cancel_timer(self, key: str) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    def _cancel_check(self, key: str) -> None:
        running = self._running.pop(key, None)
        if running is not None:
            token, task = running
            token.cancel()  # the thread stops at its next stage
            task.cancel()
