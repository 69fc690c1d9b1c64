"""The server's log records reach the editor as window/logMessage, at the level the client's
trace asks for: warnings and errors always, information at ``messages``, debug at
``verbose`` (InitializeParams.trace, then $/setTrace). The smoke worker's output reaches the
log through the runner, at debug.

Only numpyro_lsp's loggers are forwarded: pygls logs each message it sends, so forwarding
its records would send a message for every message sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from lsprotocol import types

from numpyro_lsp.features.language_server import NumpyroLanguageServer

LOGGER = "numpyro_lsp"
LEVELS = {
    types.TraceValue.Off: logging.WARNING,
    types.TraceValue.Messages: logging.INFO,
    types.TraceValue.Verbose: logging.DEBUG,
}


def message_type(level: int) -> types.MessageType:
    if level >= logging.ERROR:
        return types.MessageType.Error
    if level >= logging.WARNING:
        return types.MessageType.Warning
    return types.MessageType.Info if level >= logging.INFO else types.MessageType.Log


class ClientLogHandler(logging.Handler):
    """Sends records as window/logMessage, from the event loop whatever thread logs."""

    def __init__(self, ls: NumpyroLanguageServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.ls = ls
        self.loop = loop
        self.loop_thread = threading.get_ident()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < LEVELS.get(self.ls.protocol.trace, logging.WARNING):
            return
        params = types.LogMessageParams(
            type=message_type(record.levelno), message=self.format(record)
        )
        if threading.get_ident() == self.loop_thread:
            self.send(params)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.send, params)

    def send(self, params: types.LogMessageParams) -> None:
        with contextlib.suppress(Exception):  # the client is gone: nobody to tell
            self.ls.window_log_message(params)


def forward_logs(ls: NumpyroLanguageServer, trace: types.TraceValue | None) -> None:
    """At initialize (on the event loop): start sending the log to the client."""
    ls.protocol.trace = trace or types.TraceValue.Off
    logging.getLogger(LOGGER).addHandler(ClientLogHandler(ls, asyncio.get_running_loop()))
    follow_trace(ls)


def follow_trace(ls: NumpyroLanguageServer) -> None:
    """Let through what the trace asks for, and what the log file (``--log-level``) wants."""
    wanted = LEVELS.get(ls.protocol.trace, logging.WARNING)
    logging.getLogger(LOGGER).setLevel(min(wanted, logging.getLogger().getEffectiveLevel()))


def register(server: NumpyroLanguageServer) -> None:
    @server.feature(types.SET_TRACE)
    def set_trace(ls: NumpyroLanguageServer, params: types.SetTraceParams) -> None:
        follow_trace(ls)  # pygls has set ``ls.protocol.trace`` already
