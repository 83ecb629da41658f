"""Which stored quarter hours may be out of date, so queries compute that part on the fly.

Queries never write (a read-only file system still answers, and a query never holds the write
lock the capture loop needs); the upkeep thread brings the pre-aggregate up to date. Until it
has, the quarters near the dirty spans (the readings changed since they were computed, one span
per changed UTC day in the store) are not trusted: a change at a reading reshapes the series
from the point before the reading before it to the point after the reading after it, and disc
revolutions reshape whole days around it, so each span is widened to two readings and two days
on each side. The quarters between the spans are used as stored, so a query's on-the-fly work
follows the size of the changes, not the time between them.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .series import CounterModel

STALE_MARGIN_S = 2 * 86400
FAR_PAST = -(2**62)
FAR_FUTURE = 2**62


class DirtySource(Protocol):
    def dirty_spans(self) -> list[tuple[int, int]]: ...
    def model_key(self) -> str | None: ...
    def readings_before(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...
    def readings_after(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...


Span = tuple[int, int]


def model_key(model: CounterModel) -> str:
    """What the stored quarters were computed for; another model means all are stale."""
    return f"modulus={model.modulus_wh} resolution={model.resolution_wh} gap={model.gap_limit_s}"


def _merged(spans: list[Span], slack_s: int) -> list[Span]:
    """Sorted spans joined where they overlap or lie within `slack_s` of each other."""
    merged: list[Span] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + slack_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def stale_spans(source: DirtySource, model: CounterModel) -> list[Span]:
    """Disjoint [lo, hi) spans in UTC seconds, by time, whose stored quarters may be out of
    date; empty when all are current. The store keeps one dirty span per changed day, so a
    reading typed decades back and the capture's latest reading stay two short spans instead
    of one over the whole history."""
    if source.model_key() != model_key(model):
        return [(FAR_PAST, FAR_FUTURE)]
    # Days within twice the margin end up overlapping once widened: join them first, so that
    # a stretch of changed days costs two look-ups, not two per day.
    widened = []
    for lo, hi in _merged(source.dirty_spans(), 2 * STALE_MARGIN_S):
        before, _ = source.readings_before(lo, 2)
        after, _ = source.readings_after(hi, 2)
        start = int(before[0]) - STALE_MARGIN_S if before.size else FAR_PAST
        end = int(after[-1]) + STALE_MARGIN_S if after.size else FAR_FUTURE
        widened.append((start, end))
    return _merged(widened, 0)


def stale_buckets(bounds: np.ndarray, stale: Span | None) -> tuple[int, int] | None:
    """(first, end) indices of the buckets [bounds[i], bounds[i+1]) that overlap the stale span."""
    if stale is None or bounds.size < 2:
        return None
    first = max(int(np.searchsorted(bounds, stale[0], side="right")) - 1, 0)
    end = min(int(np.searchsorted(bounds, stale[1], side="left")), bounds.size - 1)
    return (first, end) if first < end else None


def stale_parts(bounds: np.ndarray, stale: list[Span]) -> list[tuple[int, int]]:
    """Disjoint (first, end) bucket index ranges that overlap any of the stale spans (a bucket
    that two spans touch is in one range only)."""
    parts = [part for span in stale if (part := stale_buckets(bounds, span)) is not None]
    return _merged(parts, 0)
