"""Diagnostics and code actions on generated files of growing size, over stdio: didOpen to
the first publishDiagnostics, didChange to publishDiagnostics, and a code action on the
file's first centered ``theta``."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from corpus import big_file, line_count
from lsp_client import LspClient
from messages import (
    code_action_params,
    did_change_params,
    did_open_params,
    next_diagnostics,
    overlapping,
    point,
    published,
)
from scenarios import TARGET_LINE, Budget, read_memory_kib, start, timed
from servers import ServerSpec


@dataclass(frozen=True)
class SizedFile:
    requested: int  # the size asked for (200, 2,000, 10,000 lines)
    text: str

    @property
    def lines(self) -> int:
        return line_count(self.text)

    @classmethod
    def generate(cls, lines: int) -> SizedFile:
        return cls(lines, big_file(lines))


@dataclass
class SizeResult:
    lines: int
    first_diagnostics_s: list[float] = field(default_factory=list)
    edit_s: list[float] = field(default_factory=list)
    # The same, typing in the middle of the file: a space inside an assignment of a model
    # (the line count stays), and a new line (every line after it moves down).
    keystroke_s: list[float] = field(default_factory=list)
    newline_s: list[float] = field(default_factory=list)
    code_action_s: list[float] = field(default_factory=list)
    diagnostics: int = 0  # how many the server published for the file as generated


@dataclass
class ScalingResult:
    sizes: dict[int, SizeResult] = field(default_factory=dict)
    memory_kib: dict[str, int] = field(default_factory=dict)


def centered_site(text: str) -> dict[str, Any]:
    """The cursor on the first ``theta`` variable of eight schools in a generated file."""
    for number, line in enumerate(text.splitlines()):
        if line.strip() == TARGET_LINE:
            return point(number, line.index("theta") + 2)
    raise ValueError("the generated file has no centered theta site")


async def open_file(client: LspClient, uri: str, text: str) -> tuple[float, list[Any]]:
    """didOpen to the first publishDiagnostics: seconds, and the diagnostics."""
    diagnostics = next_diagnostics(client, uri, 1)
    began = time.perf_counter()
    await client.notify("textDocument/didOpen", did_open_params(uri, text))
    notification = await published(diagnostics)
    return notification.received - began, notification.params["diagnostics"]


def middle_assignment(text: str) -> tuple[int, int]:
    """Line and column right after ``= `` in the first assignment inside a function from
    the middle of the file on."""
    lines = text.splitlines()
    for number in range(len(lines) // 2, len(lines)):
        match = re.match(r"\s+\w+ = ", lines[number])
        if match:
            return number, match.end()
    raise ValueError("the generated file has no assignment in a function after its middle")


async def edit(
    client: LspClient, uri: str, line: int, version: int, text: str | None = None, column: int = 0
) -> float:
    """Insert ``text`` (by default one statement, appended at ``line``, the end of the file)
    at ``line``/``column``: didChange to the diagnostics."""
    diagnostics = next_diagnostics(client, uri, version)
    inserted = f"edit_{version} = {version}\n" if text is None else text
    change = did_change_params(uri, version, point(line, column), inserted)
    began = time.perf_counter()
    await client.notify("textDocument/didChange", change)
    return (await published(diagnostics)).received - began


async def measure_size(
    client: LspClient, spec: ServerSpec, root: Path, file: SizedFile, opens: int, budget: Budget
) -> SizeResult:
    result = SizeResult(file.lines)
    uris = [(root / f"model_{file.requested}_{index}.py").as_uri() for index in range(opens)]
    diagnostics: list[Any] = []
    # Each open is a new document: a server may cache per URI.
    for uri in uris:
        elapsed, diagnostics = await open_file(client, uri, file.text)
        result.first_diagnostics_s.append(elapsed)
    uri = uris[-1]
    result.diagnostics = len(diagnostics)
    if spec.code_actions:
        site = centered_site(file.text)
        params = code_action_params(uri, site, overlapping(diagnostics, site))
        # jedi-ls's refactorings take seconds on a large file: a few samples are enough.
        actions = replace(budget, minimum=3)
        began = time.perf_counter()
        while not actions.done(len(result.code_action_s), began):
            result.code_action_s.append((await timed(client, "textDocument/codeAction", params))[0])
    last_line, version = file.lines - 1, 1
    began = time.perf_counter()
    while not budget.done(len(result.edit_s), began):
        version += 1
        result.edit_s.append(await edit(client, uri, last_line, version))
        last_line += 1
    line, after_equals = middle_assignment(file.text)
    for samples, text in ((result.keystroke_s, " "), (result.newline_s, "\n")):
        column = after_equals if text == " " else 0
        began = time.perf_counter()
        while not budget.done(len(samples), began):
            version += 1
            samples.append(await edit(client, uri, line, version, text, column))
    for uri in uris:  # an editor keeps a few files open, not every size at once
        await client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return result


async def scaling_session(
    spec: ServerSpec,
    root: Path,
    files: list[SizedFile],
    opens: int,
    budget: Budget,
    stderr: IO[bytes] | None,
) -> ScalingResult:
    client, _ = await start(spec, root, stderr)
    result = ScalingResult()
    try:
        for file in files:
            result.sizes[file.requested] = await measure_size(
                client, spec, root, file, opens, budget
            )
        result.memory_kib = read_memory_kib(client.pid)
    finally:
        await client.shutdown()
    return result
