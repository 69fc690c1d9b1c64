"""A small LSP client over stdio for benchmarks.

JSON-RPC with Content-Length framing. Requests return their result (or raise ``LspError``);
requests from the server (``window/workDoneProgress/create``, ``workspace/configuration``,
``client/registerCapability``, ...) are answered with null; notifications are counted and
otherwise ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# How long a clean shutdown may take before the process is killed.
SHUTDOWN_TIMEOUT_S = 5.0
# Large enough for one header line; bodies are read with readexactly.
STREAM_LIMIT = 1 << 20


Matcher = Callable[[Any], bool]


def _anything(params: Any) -> bool:
    return True


@dataclass(frozen=True)
class Notification:
    params: Any
    received: float  # time.perf_counter() when it was read, before anything else ran


class LspError(RuntimeError):
    """An error response, or a server that went away mid-request."""


class LspClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.notifications: Counter[str] = Counter()
        # Futures waiting for the next notification of a method whose params match a
        # predicate (see ``next_notification``).
        self._waiting: dict[str, list[tuple[asyncio.Future[Notification], Matcher]]] = {}
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._reader = asyncio.create_task(self._read_loop())

    @classmethod
    async def spawn(
        cls, command: Sequence[str], cwd: Path, stderr: IO[bytes] | None = None
    ) -> LspClient:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL,
            limit=STREAM_LIMIT,
        )
        return cls(process)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def request(self, method: str, params: Any = None) -> Any:
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        await self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return await future

    def next_notification(
        self, method: str, where: Matcher | None = None
    ) -> asyncio.Future[Notification]:
        """A future for the next ``method`` notification (the next one whose params satisfy
        ``where``, if given); take it before sending what triggers it."""
        future: asyncio.Future[Notification] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(method, []).append((future, where or _anything))
        return future

    async def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)

    async def shutdown(self) -> int:
        """``shutdown`` + ``exit``; kills the process when it does not exit in time."""
        with contextlib.suppress(LspError, TimeoutError, ConnectionError):
            await asyncio.wait_for(self.request("shutdown"), SHUTDOWN_TIMEOUT_S)
            await self.notify("exit")
        with contextlib.suppress(ConnectionError):
            self.process.stdin.close()  # type: ignore[union-attr]
        try:
            code = await asyncio.wait_for(self.process.wait(), SHUTDOWN_TIMEOUT_S)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        return code

    async def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":")).encode()
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await stdin.drain()

    async def _read_message(self) -> dict[str, Any] | None:
        stdout = self.process.stdout
        assert stdout is not None
        length = None
        while True:
            line = await stdout.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise LspError("message without Content-Length")
        return json.loads(await stdout.readexactly(length))

    async def _read_loop(self) -> None:
        try:
            while (message := await self._read_message()) is not None:
                await self._dispatch(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(LspError("server closed its output"))
            self._pending.clear()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(LspError(f"{message['error']}"))
            else:
                future.set_result(message.get("result"))
        elif "id" in message:
            await self._send({"jsonrpc": "2.0", "id": message["id"], "result": _reply(message)})
        else:
            self.notifications[method] += 1
            notification = Notification(message.get("params"), time.perf_counter())
            waiting = []
            for future, where in self._waiting.pop(method, []):
                if future.done():
                    continue
                if where(notification.params):
                    future.set_result(notification)
                else:
                    waiting.append((future, where))
            if waiting:
                self._waiting[method] = waiting


def _reply(request: dict[str, Any]) -> Any:
    """Null, except a null per item for ``workspace/configuration`` (the spec wants a list)."""
    if request["method"] == "workspace/configuration":
        return [None] * len((request.get("params") or {}).get("items", []))
    return None
