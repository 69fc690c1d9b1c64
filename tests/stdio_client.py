"""A blocking JSON-RPC client over the server's stdio, for tests that need to send what no
well-behaved client sends (malformed messages) or that drive the server from hypothesis,
whose tests are synchronous."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from typing import Any

TIMEOUT_S = 30.0


class ServerGone(RuntimeError):
    pass


class StdioClient:
    def __init__(self, initialization_options: dict | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "numpyro_lsp", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._responses: dict[int, queue.Queue] = {}
        self.notifications: queue.Queue = queue.Queue()
        self._next_id = 0
        self._lock = threading.Lock()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                "capabilities": {
                    "textDocument": {"completion": {"completionItem": {"snippetSupport": True}}}
                },
                "initializationOptions": initialization_options or {},
            },
        )
        self.notify("initialized", {})

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def _read(self) -> None:
        stdout = self.process.stdout
        while True:
            length = None
            while True:
                line = stdout.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            message = json.loads(stdout.read(length))
            if "id" in message and "method" not in message:
                self._responses.setdefault(message["id"], queue.Queue()).put(message)
            elif "id" in message:  # a request from the server: answer it with null
                self.send_raw(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            else:
                self.notifications.put(message)

    def send_raw(self, body: str | bytes) -> None:
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            try:
                self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError) as error:
                raise ServerGone("the server closed its input") from error

    def send(self, message: dict) -> None:
        self.send_raw(json.dumps({"jsonrpc": "2.0", **message}))

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request_async(self, method: str, params: Any) -> int:
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
        self._responses.setdefault(request_id, queue.Queue())
        self.send({"id": request_id, "method": method, "params": params})
        return request_id

    def response(self, request_id: int, timeout: float = TIMEOUT_S) -> dict:
        try:
            return self._responses[request_id].get(timeout=timeout)
        except queue.Empty:
            if self.process.poll() is not None:
                raise ServerGone(f"server exited with {self.process.returncode}") from None
            raise TimeoutError(f"no answer to request {request_id}") from None

    def request(self, method: str, params: Any, timeout: float = TIMEOUT_S) -> dict:
        """The whole response: ``result`` or ``error``."""
        return self.response(self.request_async(method, params), timeout)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive():
            try:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.process.wait(timeout=5)
            except (ServerGone, TimeoutError, subprocess.TimeoutExpired):
                self.process.kill()
        self.process.wait()
