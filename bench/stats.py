"""Latency statistics: exact percentiles over every measured sample (no histogram binning)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (share in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize_ms(samples_s: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max/mean/min in milliseconds from samples in seconds."""
    if not samples_s:
        return dict.fromkeys(("min", "mean", "p50", "p90", "p95", "p99", "max"))
    values = sorted(s * 1000 for s in samples_s)
    return {
        "min": round(values[0], 2),
        "mean": round(sum(values) / len(values), 2),
        "p50": round(percentile(values, 0.50), 2),
        "p90": round(percentile(values, 0.90), 2),
        "p95": round(percentile(values, 0.95), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(values[-1], 2),
    }
