"""Statistics over timing samples."""

from __future__ import annotations

import math
import statistics
from typing import Any


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in (0, 100]."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency_summary(seconds: list[float]) -> dict[str, Any] | None:
    """p50, p95, mean, min, max and the samples, in milliseconds."""
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
