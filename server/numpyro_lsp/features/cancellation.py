"""Cooperative cancellation: work in a thread cannot be interrupted, so it polls a token
between its stages and stops when a newer edit or the client no longer wants its result."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised by ``CancelToken.check`` in the work the token belongs to."""


class CancelToken:
    def __init__(self) -> None:
        # Public for the APIs that take an event (the smoke test's run).
        self.event = threading.Event()

    def cancel(self) -> None:
        self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        """Stop here (raise ``Cancelled``) if the work is no longer wanted."""
        if self.event.is_set():
            raise Cancelled

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, checking the token before each one (a walk over the workspace)."""
        for item in items:
            self.check()
            yield item


def cancel_with(request: Future | None, token: CancelToken) -> CancelToken:
    """Cancel ``token`` when the request's future is cancelled (``$/cancelRequest``, or a
    progress's cancel button)."""
    if request is not None:
        request.add_done_callback(lambda future: token.cancel() if future.cancelled() else None)
    return token
