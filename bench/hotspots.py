"""Where numpyro-lsp's time goes, for whoever fixes a missed target.

    python bench/hotspots.py diagnostics --lines 2000   # the check behind publishDiagnostics
    python bench/hotspots.py code-action                # non-centering actions on eight schools
    python bench/hotspots.py startup                    # imports beyond a bare pygls server's

``diagnostics`` and ``code-action`` run the server's own functions in this process (the
feature modules, with a stand-in for the server object), time each stage in CPU time with
the garbage collector's share, then print cProfile's hottest functions; ``diagnostics``
also times each rule and a run of checks in a row with their full collections. ``startup`` reads
``python -X importtime`` for the server's modules and for a bare pygls server's.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import ROOT, big_file, line_count

EIGHT_SCHOOLS = ROOT / "examples" / "eight_schools.py"


class GcClock:
    """CPU time spent in the cyclic garbage collector while installed."""

    def __init__(self) -> None:
        self.total = 0.0
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.process_time()
        else:
            self.total += time.process_time() - self._began

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


@dataclass
class Stages:
    """CPU milliseconds per stage (and the collector's share), summed over runs."""

    cpu: dict[str, float] = field(default_factory=dict)
    gc: dict[str, float] = field(default_factory=dict)
    runs: int = 0

    def time(self, name: str, function: Callable[[], Any]) -> Any:
        with GcClock() as clock:
            began = time.process_time()
            result = function()
            elapsed = time.process_time() - began
        self.cpu[name] = self.cpu.get(name, 0.0) + elapsed * 1000
        self.gc[name] = self.gc.get(name, 0.0) + clock.total * 1000
        return result

    def report(self) -> str:
        total = sum(self.cpu.values()) / self.runs
        lines = [f"{'stage':<28}{'cpu ms':>10}{'of which gc':>14}{'share':>8}"]
        for name, spent in self.cpu.items():
            mean, collector = spent / self.runs, self.gc[name] / self.runs
            lines.append(f"{name:<28}{mean:>10.1f}{collector:>14.1f}{mean / total:>8.0%}")
        lines.append(f"{'total':<28}{total:>10.1f}")
        return "\n".join(lines)


def set_collector(mode: str) -> None:
    """``freeze`` takes effect once the catalog is loaded (see ``diagnostics_stages``)."""
    if mode == "off":
        gc.disable()
    elif mode == "freeze":
        gc.collect()
        gc.freeze()


def stand_in_server(catalog: Any) -> Any:
    """What the feature functions read from the server: settings, the catalog, documents."""
    from types import SimpleNamespace

    from numpyro_lsp.settings import Settings

    return SimpleNamespace(
        settings=Settings(),
        catalogs=SimpleNamespace(catalog=catalog),
        linked_analysis=lambda parsed: parsed.analysis(catalog),
        advice_withdrawn={},
    )


def diagnostics_stages(text: str, runs: int) -> tuple[Stages, Callable[[], Any]]:
    """The stages of features.diagnostics.diagnostics_for on a fresh document version."""
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.features.conversions import to_diagnostic
    from numpyro_lsp.features.diagnostics import SOURCE, diagnostics_for
    from numpyro_lsp.features.fix_payloads import fix_data
    from numpyro_lsp.rules.engine import run_rules

    catalog = load_catalog().catalog
    if gc.isenabled() and gc.get_freeze_count():
        gc.freeze()  # --gc freeze: the catalog too, as a server could after loading it
    server = stand_in_server(catalog)
    stages = Stages()

    def once(record: Stages | None) -> None:
        document = ParsedDocument("file:///bench.py", 1, text)
        if record is None:
            diagnostics_for(server, document)
            return
        record.time("ast.parse", lambda: document.tree)
        analysis = record.time("model analysis", lambda: document.analysis(catalog))
        lines = record.time("split lines", lambda: document.lines)
        rules = server.settings.diagnostics.rules
        found = record.time("rules", lambda: run_rules(analysis, lines, rules))
        record.time(
            "to LSP diagnostics",
            lambda: [to_diagnostic(document, f, SOURCE, fix_data(f.fix)) for f in found],
        )
        record.runs += 1

    once(None)  # warm: first-use imports and caches
    for _ in range(runs):
        once(stages)
    return stages, lambda: once(None)


def collections(text: str, runs: int) -> str:
    """One check per edit, in a row as the server runs them, with the three last versions
    kept alive (the server keeps each open document's): each run's CPU time and the time
    its full (generation 2) collections took."""
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.features.diagnostics import diagnostics_for

    catalog = load_catalog().catalog
    server = stand_in_server(catalog)
    full: list[float] = []
    began = [0.0]

    def clock(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.process_time()
        elif info["generation"] == 2:
            full.append((time.process_time() - began[0]) * 1000)

    kept: list[Any] = []
    lines = [f"thresholds {gc.get_threshold()}; {len(gc.get_objects()):,} objects tracked"]
    gc.callbacks.append(clock)
    try:
        for run in range(runs):
            full.clear()
            document = ParsedDocument("file:///bench.py", run, f"{text}\nedit_{run} = {run}\n")
            start = time.process_time()
            diagnostics_for(server, document)
            spent = (time.process_time() - start) * 1000
            kept = [*kept[-2:], document]
            gen2 = ", ".join(f"{ms:.0f} ms" for ms in full) or "-"
            lines.append(f"check {run:>2}: {spent:6.1f} ms CPU; full collections: {gen2}")
    finally:
        gc.callbacks.remove(clock)
    return "\n".join(lines)


def rule_costs(text: str, runs: int) -> str:
    """CPU milliseconds per enabled rule on one analysis of ``text``, dearest first."""
    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.rules import RULES
    from numpyro_lsp.rules.engine import RuleSettings

    catalog = load_catalog().catalog
    analysis = ParsedDocument("file:///bench.py", 1, text).analysis(catalog)
    settings = RuleSettings()
    costs: dict[str, float] = {}
    for code, rule in RULES.items():
        if settings.enabled(code):
            began = time.process_time()
            for _ in range(runs):
                list(rule.run(analysis))
            costs[f"{code} {rule.name}"] = (time.process_time() - began) * 1000 / runs
    lines = [f"{'rule':<48}{'cpu ms':>8}"]
    for name, spent in sorted(costs.items(), key=lambda kv: -kv[1]):
        lines.append(f"{name:<48}{spent:>8.1f}")
    return "\n".join(lines)


def code_action_stages(text: str, runs: int) -> tuple[Stages, Callable[[], Any]]:
    """features.code_actions.code_actions_for at the first centered theta, fresh versions."""
    from lsprotocol import types

    from numpyro_lsp.analysis.document import ParsedDocument
    from numpyro_lsp.catalog.store import load_catalog
    from numpyro_lsp.features.code_actions import code_actions_for

    catalog = load_catalog().catalog
    line = next(i for i, s in enumerate(text.splitlines()) if s.strip().startswith("theta ="))
    position = types.Position(line, text.splitlines()[line].index("theta") + 2)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier("file:///bench.py"),
        range=types.Range(position, position),
        context=types.CodeActionContext(diagnostics=[]),
    )
    stages = Stages()

    def once(record: Stages | None) -> None:
        document = ParsedDocument("file:///bench.py", 1, text)
        if record is None:
            code_actions_for(document, catalog, params)
            return
        record.time("ast.parse", lambda: document.tree)
        record.time("model analysis", lambda: document.analysis(catalog))
        record.time(
            "actions (libcst, rewrites)", lambda: code_actions_for(document, catalog, params)
        )
        record.runs += 1

    once(None)
    for _ in range(runs):
        once(stages)
    return stages, lambda: once(None)


def hot_spots(function: Callable[[], Any], runs: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        function()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    for order in ("tottime", "cumulative"):
        print(f"\n-- top {top} by {order}, {runs} runs --")
        stats.sort_stats(order).print_stats(top)


def import_times(code: str) -> dict[str, int]:
    """Each module's own import time in microseconds (``python -X importtime``)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    )
    own: dict[str, int] = {}
    for line in run.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)", line)
        if match:
            own[match.group(3)] = int(match.group(1))
    return own


def startup(top: int, repeat: int = 5) -> None:
    # What ``python -m numpyro_lsp`` imports and builds before it reads initialize, and what
    # bench/bare_pygls_server.py does (run under another name, so it does not serve).
    ours_code = "from numpyro_lsp import cli, server; server.create_server()"
    bare = Path(__file__).with_name("bare_pygls_server.py")
    bare_code = f"import runpy; runpy.run_path({str(bare)!r}, run_name='bench')"
    runs = {"ours": [import_times(ours_code) for _ in range(repeat)]}
    runs["bare"] = [import_times(bare_code) for _ in range(repeat)]

    def median_by_module(samples: list[dict[str, int]]) -> dict[str, float]:
        modules = set().union(*samples)
        return {m: sorted(s.get(m, 0) for s in samples)[len(samples) // 2] for m in modules}

    ours, bare = median_by_module(runs["ours"]), median_by_module(runs["bare"])
    extra = {m: t for m, t in ours.items() if m not in bare}
    print(
        f"imports, median of {repeat}: ours {sum(ours.values()) / 1000:.1f} ms, "
        f"bare pygls {sum(bare.values()) / 1000:.1f} ms, "
        f"modules only ours imports {sum(extra.values()) / 1000:.1f} ms ({len(extra)} modules)"
    )
    print(f"\n{'module (own import time, not imported by bare pygls)':<56}{'ms':>8}")
    for module, spent in sorted(extra.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{module:<56}{spent / 1000:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["diagnostics", "code-action", "startup"])
    parser.add_argument(
        "--lines",
        type=int,
        help="a generated file of this size (default: "
        "2,000 lines for diagnostics, eight schools for code-action)",
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--gc",
        choices=["on", "freeze", "off"],
        default="on",
        help="diagnostics with the collector as is, with what exists after loading the "
        "catalog frozen (gc.freeze), or off: what the collector costs the check",
    )
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.what == "startup":
        startup(args.top)
        return 0
    if args.what == "diagnostics":
        text = big_file(args.lines or 2000)
        set_collector(args.gc)
        stages, once = diagnostics_stages(text, args.runs)
    else:
        text = big_file(args.lines) if args.lines else EIGHT_SCHOOLS.read_text(encoding="utf-8")
        stages, once = code_action_stages(text, args.runs)
    print(f"{args.what} on {line_count(text):,} lines, CPU time per run, mean of {args.runs}")
    print(stages.report())
    if args.what == "diagnostics":
        print(f"\n{rule_costs(text, args.runs)}")
        print(f"\n{collections(text, args.runs)}")
    if args.top:
        hot_spots(once, args.runs, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
