"""The measurements: fresh starts (initialize, first completion) and one warm session per
server (completion and hover latency, then memory)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from capabilities import CLIENT_CAPABILITIES
from lsp_client import LspClient

TARGET_LINE = 'theta = numpyro.sample("theta", dist.Normal(mu, tau))'


@dataclass(frozen=True)
class ServerSpec:
    name: str
    command: tuple[str, ...]
    has_hover: bool


@dataclass(frozen=True)
class Target:
    """The document every server opens and where completion and hover are asked."""

    path: Path
    text: str
    completion: dict[str, int]
    hover: dict[str, int]

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    @classmethod
    def locate(cls, path: Path) -> Target:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines()):
            if line.strip() == TARGET_LINE:
                dot = line.index("dist.") + len("dist.")  # right after the dot, before Normal
                return cls(
                    path=path,
                    text=text,
                    completion={"line": number, "character": dot},
                    hover={"line": number, "character": dot + len("Normal") // 2},
                )
        raise ValueError(f"{path} has no line {TARGET_LINE!r}")


@dataclass
class StartSample:
    initialize_s: float
    first_completion_s: float
    first_completion_items: int


@dataclass
class SessionResult:
    completion_s: list[float] = field(default_factory=list)
    completion_items: int = 0
    hover_s: list[float] = field(default_factory=list)
    hover_found: bool = False
    memory_kib: dict[str, int] = field(default_factory=dict)


def initialize_params(root: Path) -> dict[str, Any]:
    return {
        "processId": None,
        "clientInfo": {"name": "numpyro-lsp-bench", "version": "1"},
        "rootUri": root.as_uri(),
        "rootPath": str(root),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": CLIENT_CAPABILITIES,
        "trace": "off",
    }


def completion_params(target: Target) -> dict[str, Any]:
    return {
        "textDocument": {"uri": target.uri},
        "position": target.completion,
        "context": {"triggerKind": 1},
    }


def hover_params(target: Target) -> dict[str, Any]:
    return {"textDocument": {"uri": target.uri}, "position": target.hover}


def did_open_params(target: Target) -> dict[str, Any]:
    return {
        "textDocument": {
            "uri": target.uri,
            "languageId": "python",
            "version": 1,
            "text": target.text,
        }
    }


def item_count(result: Any) -> int:
    if isinstance(result, dict):
        return len(result.get("items", []))
    return len(result) if isinstance(result, list) else 0


def read_memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    memory: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            memory[name] = int(value.split()[0])
    return memory


async def start(spec: ServerSpec, root: Path, stderr: IO[bytes] | None) -> tuple[LspClient, float]:
    """Spawn the server and initialize it; returns the client and spawn-to-response time."""
    began = time.perf_counter()
    client = await LspClient.spawn(spec.command, cwd=root, stderr=stderr)
    await client.request("initialize", initialize_params(root))
    elapsed = time.perf_counter() - began
    await client.notify("initialized", {})
    return client, elapsed


async def fresh_start(
    spec: ServerSpec, root: Path, target: Target, stderr: IO[bytes] | None
) -> StartSample:
    client, initialize_s = await start(spec, root, stderr)
    try:
        began = time.perf_counter()
        await client.notify("textDocument/didOpen", did_open_params(target))
        result = await client.request("textDocument/completion", completion_params(target))
        first_s = time.perf_counter() - began
    finally:
        await client.shutdown()
    return StartSample(initialize_s, first_s, item_count(result))


async def timed(client: LspClient, method: str, params: dict[str, Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await client.request(method, params)
    return time.perf_counter() - began, result


async def warm_session(
    spec: ServerSpec,
    root: Path,
    target: Target,
    requests: int,
    warmup: int,
    stderr: IO[bytes] | None,
) -> SessionResult:
    client, _ = await start(spec, root, stderr)
    session = SessionResult()
    try:
        await client.notify("textDocument/didOpen", did_open_params(target))
        checks = [("textDocument/completion", completion_params(target))]
        if spec.has_hover:
            checks.append(("textDocument/hover", hover_params(target)))
        for method, params in checks:
            for _ in range(warmup):
                await client.request(method, params)
        for _ in range(requests):
            elapsed, result = await timed(
                client, "textDocument/completion", completion_params(target)
            )
            session.completion_s.append(elapsed)
        session.completion_items = item_count(result)
        if spec.has_hover:
            for _ in range(requests):
                elapsed, result = await timed(client, "textDocument/hover", hover_params(target))
                session.hover_s.append(elapsed)
            session.hover_found = bool(result and result.get("contents"))
        session.memory_kib = read_memory_kib(client.pid)
    finally:
        await client.shutdown()
    return session
