"""Which stored quarter hours may be out of date, so queries compute that part on the fly.

Queries never write (a read-only file system still answers, and a query never holds the write
lock the capture loop needs); the upkeep thread brings the pre-aggregate up to date. Until it
has, the quarters near the dirty range (the readings changed since they were computed) are not
trusted: a change at a reading reshapes the series from the point before the reading before it
to the point after the reading after it, and disc revolutions reshape whole days around it, so
the span is widened to two readings and two days on each side.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .series import CounterModel

STALE_MARGIN_S = 2 * 86400
FAR_PAST = -(2**62)
FAR_FUTURE = 2**62


class DirtySource(Protocol):
    def dirty_range(self) -> tuple[int, int] | None: ...
    def model_key(self) -> str | None: ...
    def readings_before(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...
    def readings_after(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...


def model_key(model: CounterModel) -> str:
    """What the stored quarters were computed for; another model means all are stale."""
    return f"modulus={model.modulus_wh} resolution={model.resolution_wh} gap={model.gap_limit_s}"


def stale_span(source: DirtySource, model: CounterModel) -> tuple[int, int] | None:
    """[lo, hi) in UTC seconds whose stored quarters may be out of date; None when all are
    current."""
    if source.model_key() != model_key(model):
        return FAR_PAST, FAR_FUTURE
    dirty = source.dirty_range()
    if dirty is None:
        return None
    lo, hi = dirty
    before, _ = source.readings_before(lo, 2)
    after, _ = source.readings_after(hi, 2)
    start = int(before[0]) - STALE_MARGIN_S if before.size else FAR_PAST
    end = int(after[-1]) + STALE_MARGIN_S if after.size else FAR_FUTURE
    return start, end


def stale_buckets(bounds: np.ndarray, stale: tuple[int, int] | None) -> tuple[int, int] | None:
    """(first, end) indices of the buckets [bounds[i], bounds[i+1]) that overlap the stale span."""
    if stale is None or bounds.size < 2:
        return None
    first = max(int(np.searchsorted(bounds, stale[0], side="right")) - 1, 0)
    end = min(int(np.searchsorted(bounds, stale[1], side="left")), bounds.size - 1)
    return (first, end) if first < end else None
