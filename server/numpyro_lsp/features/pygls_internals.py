"""Everything the server takes from pygls' private internals, and the protocol fixes built
on them. pygls may rename or change these in any release: tests/test_pygls_internals.py
checks each one against the installed pygls, so an upgrade that breaks one fails there.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

# The private names used below, by the class that defines them (the test reads this).
USED = {
    JsonRPCProtocol: (
        "_request_futures",
        "_handle_notification",
        "_handle_request",
        "_send_response",
        "_run_generator",
    ),
}

T = TypeVar("T")
logger = logging.getLogger(__name__)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def request_futures(protocol: JsonRPCProtocol) -> dict[Any, Future]:
    """The futures of the requests being handled, by message id (notifications run by a
    generator handler are kept under a fresh UUID)."""
    return protocol._request_futures


def current_request_future(protocol: JsonRPCProtocol) -> Future | None:
    """The future pygls cancels on ``$/cancelRequest`` for the request being handled."""
    return request_futures(protocol).get(protocol.msg_id)


def in_thread(function: Callable[..., T], *args: Any) -> Generator[Any, Any, T]:
    """In a generator handler, ``result = yield from in_thread(function, *args)`` runs
    ``function`` in a worker thread and resumes with its result.

    pygls runs a generator handler's first step at once, as the message arrives, in order
    with the edits before it; an ``async def`` handler first runs later, once pygls has
    dispatched the messages already read (more edits, maybe). So what a generator handler
    reads before ``yield from`` is the document the client asked about. pygls runs the
    yielded coroutine as its own handler (``_run_generator``)."""
    return (yield _to_thread, (function, *args), None)


async def _to_thread(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(function, *args)


def _drop_finished_inner_futures(protocol: JsonRPCProtocol) -> None:
    # pygls 2.1.1 keeps the finished future of every handler run for a generator handler
    # (didOpen, didChange, didSave, didClose, and ours that use ``in_thread``) under a
    # fresh UUID, for good: about 1.8 KB per edit. Drop them; a client's requests use
    # their own ids.
    futures = request_futures(protocol)
    for key, future in list(futures.items()):
        if future.done() and isinstance(key, str) and _UUID.fullmatch(key):
            del futures[key]


def send_error(protocol: JsonRPCProtocol, msg_id: Any, error: JsonRpcException) -> None:
    protocol._send_response(msg_id, error=error.to_response_error())


class NumpyroProtocol(LanguageServerProtocol):
    """pygls's protocol with four changes: a request whose params cannot be read gets an
    error response (pygls only logs it, leaving the client waiting forever), positions are
    always UTF-16, finished notifications are not kept, and a request may be asked in
    other terms and its answer mapped back (``request_mapper``: a notebook cell's, asked of
    the notebook's program, features/notebooks.py)."""

    # ``(method, params) -> (params, map_result) | None``, set by the server.
    request_mapper: Callable[[str, Any], tuple[Any, Callable[[Any], Any]] | None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._result_mappers: dict[Any, Callable[[Any], Any]] = {}

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        # Every column the server computes is UTF-16, the encoding LSP requires servers to
        # support: pygls would pick UTF-8 for a client that lists it first (Neovim).
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    def _handle_notification(self, method_name, params):
        super()._handle_notification(method_name, params)
        _drop_finished_inner_futures(self)

    def _handle_request(self, msg_id, method_name, params):
        if self.request_mapper is not None:
            try:
                mapped = self.request_mapper(method_name, params)
            except Exception:  # bad input never kills the server: asked as it came
                logger.exception("could not map the params of %s", method_name)
                mapped = None
            if mapped is not None:
                params, self._result_mappers[msg_id] = mapped
        super()._handle_request(msg_id, method_name, params)
        _drop_finished_inner_futures(self)

    def _send_response(self, msg_id, result=None, error=None):
        map_result = self._result_mappers.pop(msg_id, None)
        if map_result is not None and error is None:
            try:
                result = map_result(result)
            except Exception:
                logger.exception("could not map the answer to request %s", msg_id)
                result = None
        super()._send_response(msg_id, result, error)

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                send_error(self, data["id"], error)
            raise
