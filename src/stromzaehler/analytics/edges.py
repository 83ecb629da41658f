"""Buckets only partly covered by the recording: the first one (recording started inside it)
and the last one (it stopped inside it, or is still running) show the energy of the covered
part, with `coverage` (0-1) and the quality `partial`, and count in the totals. Nothing before
the first reading or after the last one is invented: the covered part is exactly the span
between them inside the bucket.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .consumption import MISSING, PARTIAL, bucket_energy
from .staleness import FAR_FUTURE, FAR_PAST

# load(from_utc, to_utc) -> (reading_t, point_t, point_e) around the span (aggregate.load_fused)
SeriesLoader = Callable[[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]]


def recording_span(source: object) -> tuple[int, int] | None:
    """(first, last) time of the readings that count (void ones left out)."""
    first, _ = source.readings_after(FAR_PAST, 1)  # type: ignore[attr-defined]
    last, _ = source.readings_before(FAR_FUTURE, 1)  # type: ignore[attr-defined]
    if first.size == 0 or last.size == 0:
        return None
    return int(first[0]), int(last[0])


def fill_edges(
    bounds: np.ndarray,
    energy_wh: np.ndarray,
    quality: np.ndarray,
    span: tuple[int, int] | None,
    load: SeriesLoader,
    gap_limit_s: int,
) -> np.ndarray:
    """Fill the missing edge buckets in place; returns coverage per bucket (0-1)."""
    coverage = np.where(quality == MISSING, 0.0, 1.0)
    if span is None or bounds.size < 2:
        return coverage
    first, last = span
    edges = {
        int(np.searchsorted(bounds, t, side="right")) - 1 for t in (first, last)
    }
    for index in sorted(edges):
        if not 0 <= index < quality.size or quality[index] != MISSING:
            continue
        start, end = int(bounds[index]), int(bounds[index + 1])
        lo, hi = max(start, first), min(end, last)
        if hi <= lo:
            continue
        reading_t, point_t, point_e = load(lo, hi)
        part_wh, part_quality = bucket_energy(point_t, point_e, np.array([lo, hi]), gap_limit_s,
                                              reading_t)
        if part_quality[0] == MISSING:
            continue
        energy_wh[index] = part_wh[0]
        quality[index] = PARTIAL
        coverage[index] = (hi - lo) / (end - start)
    return coverage
