"""Summaries, ratios, pass/fail checks, the printed table and the JSON document."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scenarios import ServerSpec, SessionResult, StartSample

OURS, BARE, JEDI = "numpyro-lsp", "bare-pygls", "jedi-ls"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in (0, 100]."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency_summary(seconds: list[float]) -> dict[str, Any] | None:
    if not seconds:
        return None
    values = [ms(s) for s in seconds]
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "samples": values,
    }


def summarize(
    spec: ServerSpec, starts: list[StartSample], session: SessionResult
) -> dict[str, Any]:
    initialize = [ms(s.initialize_s) for s in starts]
    first = [ms(s.first_completion_s) for s in starts]
    return {
        "command": list(spec.command),
        "initialize_ms": {"median": statistics.median(initialize), "samples": initialize},
        "first_completion_ms": {
            "median": statistics.median(first),
            "samples": first,
            "items": [s.first_completion_items for s in starts],
        },
        "completion_ms": latency_summary(session.completion_s),
        "completion_items": session.completion_items,
        "hover_ms": latency_summary(session.hover_s),
        "hover_found": session.hover_found if spec.has_hover else None,
        "rss_mib": session.memory_kib["VmRSS"] / 1024,
        "hwm_mib": session.memory_kib["VmHWM"] / 1024,
    }


Getter = Callable[[dict[str, Any]], float | None]


def stat(key: str, name: str) -> Getter:
    return lambda s: s[key][name] if s.get(key) else None


ROWS: list[tuple[str, Getter, str]] = [
    ("initialize median (ms)", stat("initialize_ms", "median"), "{:.1f}"),
    ("first completion median (ms)", stat("first_completion_ms", "median"), "{:.1f}"),
    ("completion p50 (ms)", stat("completion_ms", "p50"), "{:.2f}"),
    ("completion p95 (ms)", stat("completion_ms", "p95"), "{:.2f}"),
    ("completion items", lambda s: s["completion_items"], "{:d}"),
    ("hover p50 (ms)", stat("hover_ms", "p50"), "{:.2f}"),
    ("hover p95 (ms)", stat("hover_ms", "p95"), "{:.2f}"),
    ("VmRSS (MiB)", lambda s: s["rss_mib"], "{:.1f}"),
    ("VmHWM (MiB)", lambda s: s["hwm_mib"], "{:.1f}"),
]


def table(servers: dict[str, dict[str, Any]]) -> str:
    names = list(servers)
    lines = [f"{'metric':<30}" + "".join(f"{n:>14}" for n in names)]
    lines.append("-" * len(lines[0]))
    for label, get, fmt in ROWS:
        cells = []
        for name in names:
            value = get(servers[name])
            cells.append(f"{fmt.format(value) if value is not None else '-':>14}")
        lines.append(f"{label:<30}" + "".join(cells))
    return "\n".join(lines)


def ratios(servers: dict[str, dict[str, Any]]) -> dict[str, float]:
    ours, bare, jedi = servers[OURS], servers[BARE], servers[JEDI]
    pairs: dict[str, tuple[Getter, dict[str, Any], dict[str, Any]]] = {
        "initialize ours/bare-pygls": (stat("initialize_ms", "median"), ours, bare),
        "completion p50 ours/bare-pygls": (stat("completion_ms", "p50"), ours, bare),
        "completion p50 jedi/ours": (stat("completion_ms", "p50"), jedi, ours),
        "completion p95 jedi/ours": (stat("completion_ms", "p95"), jedi, ours),
        "hover p50 jedi/ours": (stat("hover_ms", "p50"), jedi, ours),
        "VmRSS jedi/ours": (lambda s: s["rss_mib"], jedi, ours),
    }
    return {name: get(a) / get(b) for name, (get, a, b) in pairs.items()}  # type: ignore[operator]


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    limit: float
    unit: str
    inclusive: bool = False

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.inclusive else self.value < self.limit

    def line(self) -> str:
        op = "<=" if self.inclusive else "<"
        verdict = "PASS" if self.passed else "FAIL"
        value = f"{self.value:.3f}" if self.unit == "x" else f"{self.value:.2f}"
        return f"{self.name:<34}{value:>9} {self.unit:<4} {op:>2} {self.limit:g} {verdict}"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "inclusive": self.inclusive,
            "pass": self.passed,
        }


def checks(servers: dict[str, dict[str, Any]], ratio: dict[str, float]) -> list[Check]:
    ours = servers[OURS]
    return [
        Check("completion p50", ours["completion_ms"]["p50"], 10, "ms"),
        Check("completion p95", ours["completion_ms"]["p95"], 30, "ms"),
        Check("VmRSS", ours["rss_mib"], 80, "MiB"),
        Check("initialize vs bare pygls", ratio["initialize ours/bare-pygls"], 1.10, "x", True),
        Check(
            "first completion after initialize", ours["first_completion_ms"]["median"], 100, "ms"
        ),
    ]


def render(servers: dict[str, dict[str, Any]], ratio: dict[str, float], done: list[Check]) -> str:
    parts = [table(servers), "", "ratios"]
    parts += [f"  {name:<34}{value:>8.3f}x" for name, value in ratio.items()]
    parts += ["", f"targets (numpyro-lsp): {sum(c.passed for c in done)}/{len(done)} pass"]
    parts += [f"  {c.line()}" for c in done]
    return "\n".join(parts)
