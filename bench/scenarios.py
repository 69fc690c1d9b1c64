"""The measurements on one model (examples/eight_schools.py): fresh starts (initialize, first
completion, first diagnostics) and one warm session per server (completion, hover and
code-action latency, then memory)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lsp_client import LspClient
from messages import (
    Position,
    Range,
    code_action_params,
    completion_params,
    did_open_params,
    initialize_params,
    next_diagnostics,
    overlapping,
    point,
    position_params,
    published,
)
from servers import ServerSpec

TARGET_LINE = 'theta = numpyro.sample("theta", dist.Normal(mu, tau))'


@dataclass(frozen=True)
class Target:
    """The document every server opens, and where completion, hover and code actions are
    asked: the centered ``theta`` site of eight schools."""

    path: Path
    text: str
    completion: Position  # right after ``dist.``, before ``Normal``
    hover: Position  # on ``Normal``
    code_action: Range  # the cursor on the ``theta`` variable

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    @classmethod
    def locate(cls, path: Path) -> Target:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines()):
            if line.strip() == TARGET_LINE:
                dot = line.index("dist.") + len("dist.")
                theta = line.index("theta") + len("theta") // 2
                return cls(
                    path=path,
                    text=text,
                    completion={"line": number, "character": dot},
                    hover={"line": number, "character": dot + len("Normal") // 2},
                    code_action=point(number, theta),
                )
        raise ValueError(f"{path} has no line {TARGET_LINE!r}")


@dataclass
class StartSample:
    initialize_s: float
    first_completion_s: float
    first_completion_items: int
    # didOpen to the first publishDiagnostics; None for a server that publishes none.
    first_diagnostics_s: float | None


@dataclass
class SessionResult:
    completion_s: list[float] = field(default_factory=list)
    completion_items: int = 0
    hover_s: list[float] = field(default_factory=list)
    hover_found: bool = False
    code_action_s: list[float] = field(default_factory=list)
    code_action_titles: list[str] = field(default_factory=list)
    memory_kib: dict[str, int] = field(default_factory=dict)


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
    await client.request("initialize", initialize_params(root, spec.initialization_options))
    elapsed = time.perf_counter() - began
    await client.notify("initialized", {})
    return client, elapsed


async def timed(client: LspClient, method: str, params: dict[str, Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await client.request(method, params)
    return time.perf_counter() - began, result


@dataclass(frozen=True)
class Budget:
    """How many samples to take: ``count``, unless that takes longer than ``seconds``; then
    stop after at least ``minimum`` (a slow server gets fewer samples, not a longer run)."""

    count: int
    seconds: float
    minimum: int = 10

    def done(self, taken: int, began: float) -> bool:
        if taken >= self.count:
            return True
        return taken >= self.minimum and time.perf_counter() - began > self.seconds


async def fresh_start(
    spec: ServerSpec, root: Path, target: Target, stderr: IO[bytes] | None
) -> StartSample:
    """initialize, then didOpen and a completion at once: what opening a file costs."""
    client, initialize_s = await start(spec, root, stderr)
    try:
        diagnostics = next_diagnostics(client, target.uri, 1)
        began = time.perf_counter()
        await client.notify("textDocument/didOpen", did_open_params(target.uri, target.text))
        result = await client.request(
            "textDocument/completion", completion_params(target.uri, target.completion)
        )
        first_completion_s = time.perf_counter() - began
        first_diagnostics_s = None
        if spec.diagnostics:
            first_diagnostics_s = (await published(diagnostics)).received - began
    finally:
        await client.shutdown()
    return StartSample(initialize_s, first_completion_s, item_count(result), first_diagnostics_s)


async def warm_session(
    spec: ServerSpec,
    root: Path,
    target: Target,
    budget: Budget,
    warmup: int,
    stderr: IO[bytes] | None,
) -> SessionResult:
    client, _ = await start(spec, root, stderr)
    session = SessionResult()
    try:
        diagnostics = next_diagnostics(client, target.uri, 1)
        await client.notify("textDocument/didOpen", did_open_params(target.uri, target.text))
        context = []
        if spec.diagnostics:
            notification = await published(diagnostics)
            context = overlapping(notification.params["diagnostics"], target.code_action)
        kinds = [("textDocument/completion", completion_params(target.uri, target.completion))]
        if spec.hover:
            kinds.append(("textDocument/hover", position_params(target.uri, target.hover)))
        if spec.code_actions:
            params = code_action_params(target.uri, target.code_action, context)
            kinds.append(("textDocument/codeAction", params))
        for method, params in kinds:
            for _ in range(warmup):
                await client.request(method, params)
            samples: list[float] = []
            began = time.perf_counter()
            while not budget.done(len(samples), began):
                elapsed, result = await timed(client, method, params)
                samples.append(elapsed)
            record(session, method, samples, result)
        session.memory_kib = read_memory_kib(client.pid)
    finally:
        await client.shutdown()
    return session


def record(session: SessionResult, method: str, samples: list[float], result: Any) -> None:
    if method == "textDocument/completion":
        session.completion_s, session.completion_items = samples, item_count(result)
    elif method == "textDocument/hover":
        session.hover_s, session.hover_found = samples, bool(result and result.get("contents"))
    else:
        session.code_action_s = samples
        session.code_action_titles = [action["title"] for action in result or []]
