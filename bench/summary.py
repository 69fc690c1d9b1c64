"""Each server's measurements as one JSON-ready dict."""

from __future__ import annotations

import statistics
from typing import Any

from scaling import ScalingResult
from scenarios import SessionResult, StartSample
from servers import ServerSpec
from stats import latency_summary, ms


def median_of(seconds: list[float]) -> dict[str, Any] | None:
    if not seconds:
        return None
    values = [ms(s) for s in seconds]
    return {"median": statistics.median(values), "samples": values}


def summarize_starts(spec: ServerSpec, starts: list[StartSample]) -> dict[str, Any]:
    """What the fresh starts measured: initialize, the first completion and diagnostics."""
    first = median_of([s.first_completion_s for s in starts])
    assert first is not None
    first["items"] = [s.first_completion_items for s in starts]
    return {
        "command": list(spec.command),
        "initialization_options": spec.initialization_options,
        "initialize_ms": median_of([s.initialize_s for s in starts]),
        "first_completion_ms": first,
        "first_diagnostics_ms": median_of(
            [s.first_diagnostics_s for s in starts if s.first_diagnostics_s is not None]
        ),
    }


def summarize_server(
    spec: ServerSpec,
    starts: list[StartSample],
    session: SessionResult,
    scaling: ScalingResult | None,
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        **summarize_starts(spec, starts),
        "diagnostics_debounce_ms": ms(spec.diagnostics_debounce_s),
        "completion_ms": latency_summary(session.completion_s),
        "completion_items": session.completion_items,
        "hover_ms": latency_summary(session.hover_s),
        "hover_found": session.hover_found if spec.hover else None,
        "code_action_ms": latency_summary(session.code_action_s),
        "code_action_titles": session.code_action_titles,
        "rss_mib": session.memory_kib["VmRSS"] / 1024,
        "hwm_mib": session.memory_kib["VmHWM"] / 1024,
        "scaling": None,
    }
    if scaling is not None:
        summary["scaling"] = {
            str(size): {
                "lines": result.lines,
                "diagnostics": result.diagnostics,
                "first_diagnostics_ms": latency_summary(result.first_diagnostics_s),
                "edit_ms": latency_summary(result.edit_s),
                "keystroke_ms": latency_summary(result.keystroke_s),
                "newline_ms": latency_summary(result.newline_s),
                "code_action_ms": latency_summary(result.code_action_s),
            }
            for size, result in scaling.sizes.items()
        }
        summary["scaling_rss_mib"] = scaling.memory_kib["VmRSS"] / 1024
        summary["scaling_hwm_mib"] = scaling.memory_kib["VmHWM"] / 1024
    return summary
