"""Consumption queries over stored readings, and upkeep of the quarter-hour pre-aggregate.

Every local hour, day, month and year boundary of a zone whose offsets are multiples of 15 min
is a UTC quarter hour, so those resolutions (and 15min itself) are sums of stored quarter-hour
energies: a year is 35,040 rows instead of 525,600 readings. Minute buckets (and zones with
odd offsets) are computed from the readings of the requested range.

The pre-aggregate is recomputed from the dirty range the store's triggers maintain, before a
query reads it, so a correction or a reading inserted in the past is reflected at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from .consumption import MISSING, QUARTER_S, Consumption, bucket_energy, buckets_from_quarters
from .periods import RangeError, bucket_boundaries
from .profile import QuarterSeries, load_profile
from .series import MeterReplacement, energy_series

MAX_PROFILE_DAYS = 3 * 366
REFRESH_CHUNK_S = 7 * 86400  # bounds memory: a week of minute readings per step
_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62


class ReplacementRow(Protocol):
    t_utc: int
    old_end_wh: int
    new_start_wh: int


class CounterSource(Protocol):
    """What the store offers (stromzaehler.store.counters.CounterStore)."""

    def transaction(self) -> AbstractContextManager[Any]: ...
    def readings_with_neighbours(
        self, from_utc: int, to_utc: int, neighbours: int = 1
    ) -> tuple[np.ndarray, np.ndarray]: ...
    def replacements(
        self, from_utc: int | None = None, to_utc: int | None = None
    ) -> Sequence[ReplacementRow]: ...
    def dirty_range(self) -> tuple[int, int] | None: ...
    def set_dirty_range(self, span: tuple[int, int] | None) -> None: ...
    def replace_quarters(
        self,
        lo_utc: int,
        hi_utc: int,
        quarter_utc: Sequence[int],
        energy_wh: Sequence[int],
        estimated: Sequence[int],
    ) -> None: ...
    def quarters(self, from_utc: int, to_utc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def load_series(
    source: CounterSource, from_utc: int, to_utc: int, neighbours: int, modulus_wh: int
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous (t_utc, energy_wh) around [from_utc, to_utc], counter events applied."""
    times, counters = source.readings_with_neighbours(from_utc, to_utc, neighbours)
    lo = int(times[0]) if times.size and times[0] < from_utc else _FAR_PAST
    hi = int(times[-1]) if times.size and times[-1] > to_utc else _FAR_FUTURE
    events = [
        MeterReplacement(int(r.t_utc), int(r.old_end_wh), int(r.new_start_wh))
        for r in source.replacements(lo, hi)
    ]
    return energy_series(times, counters, events, modulus_wh)


def _floor_quarter(t_utc: int) -> int:
    return t_utc // QUARTER_S * QUARTER_S


def _ceil_quarter(t_utc: int) -> int:
    return -(-t_utc // QUARTER_S) * QUARTER_S


def refresh_step(source: CounterSource, gap_limit_s: int, modulus_wh: int) -> bool:
    """Recompute the quarters of (a week of) the dirty range; False when nothing was dirty.

    Points whose time lies in [lo, hi] changed; the quarters that depend on them are those
    overlapping [last point before lo, first point after hi], widened to whole quarters.
    Computing those needs the points from one before their start to one after their end.
    """
    with source.transaction():
        dirty = source.dirty_range()
        if dirty is None:
            return False
        lo, hi = dirty
        step_hi = min(hi, lo + REFRESH_CHUNK_S)
        times, _ = load_series(source, lo, step_hi, 1, modulus_wh)
        before = int(np.searchsorted(times, lo, side="left")) - 1
        after = int(np.searchsorted(times, step_hi, side="right"))
        q_lo = _floor_quarter(int(times[before])) if before >= 0 else _FAR_PAST
        q_hi = _ceil_quarter(int(times[after])) if after < times.size else _FAR_FUTURE
        load_lo = q_lo if before >= 0 else lo
        load_hi = q_hi if after < times.size else step_hi
        times, energy = load_series(source, load_lo, load_hi, 1, modulus_wh)
        quarters = np.empty(0, np.int64)
        if times.size >= 2:
            first_q = max(q_lo, _floor_quarter(int(times[0])))
            end_q = min(q_hi, _ceil_quarter(int(times[-1])))
            quarters = np.arange(first_q, end_q + 1, QUARTER_S, dtype=np.int64)
        if quarters.size >= 2:
            energy_wh, quality = bucket_energy(times, energy, quarters, gap_limit_s)
            keep = quality != MISSING
            source.replace_quarters(
                q_lo,
                q_hi,
                quarters[:-1][keep].tolist(),
                energy_wh[keep].tolist(),
                quality[keep].astype(np.int64).tolist(),
            )
        else:
            source.replace_quarters(q_lo, q_hi, [], [], [])
        source.set_dirty_range((step_hi + 1, hi) if step_hi < hi else None)
    return True


def refresh(source: CounterSource, gap_limit_s: int, modulus_wh: int) -> int:
    """Bring the quarter-hour pre-aggregate up to date; returns the number of steps taken."""
    steps = 0
    while refresh_step(source, gap_limit_s, modulus_wh):
        steps += 1
    return steps


def consumption(
    source: CounterSource,
    resolution: str,
    from_utc: int,
    to_utc: int,
    zone: ZoneInfo,
    gap_limit_s: int,
    modulus_wh: int,
    use_quarters: bool = True,
) -> Consumption:
    """Buckets covering [from_utc, to_utc) in local time; raises periods.RangeError."""
    bounds = bucket_boundaries(resolution, from_utc, to_utc, zone)
    if use_quarters and resolution != "minute" and not np.any(bounds % QUARTER_S):
        refresh(source, gap_limit_s, modulus_wh)
        quarter_utc, quarter_wh, estimated = source.quarters(int(bounds[0]), int(bounds[-1]))
        energy_wh, quality = buckets_from_quarters(quarter_utc, quarter_wh, estimated, bounds)
    else:
        times, energy = load_series(source, int(bounds[0]), int(bounds[-1]), 1, modulus_wh)
        energy_wh, quality = bucket_energy(times, energy, bounds, gap_limit_s)
    return Consumption(resolution, zone.key, bounds, energy_wh, quality)


def quarter_series(source: CounterSource, start_utc: int, end_utc: int) -> QuarterSeries:
    """Dense quarter hours of [start_utc, end_utc) from the pre-aggregate (both aligned)."""
    count = (end_utc - start_utc) // QUARTER_S
    energy_wh = np.zeros(count, dtype=np.int64)
    quality = np.full(count, MISSING, dtype=np.int8)
    quarter_utc, quarter_wh, estimated = source.quarters(start_utc, end_utc)
    index = (quarter_utc - start_utc) // QUARTER_S
    energy_wh[index] = quarter_wh
    quality[index] = estimated
    return QuarterSeries(start_utc, energy_wh, quality)


def profile(
    source: CounterSource,
    from_utc: int,
    to_utc: int,
    zone: ZoneInfo,
    gap_limit_s: int,
    modulus_wh: int,
) -> dict[str, Any]:
    """Load profile of the local days covering [from_utc, to_utc), with the period of the same
    length just before it for comparison."""
    if to_utc - from_utc > MAX_PROFILE_DAYS * 86400:
        raise RangeError(f"a profile covers at most {MAX_PROFILE_DAYS} days")
    days = bucket_boundaries("day", from_utc, to_utc, zone)
    start, end = int(days[0]), int(days[-1])
    if start % QUARTER_S or end % QUARTER_S:
        raise RangeError(f"time zone {zone.key} has an offset that is not a whole quarter hour")
    refresh(source, gap_limit_s, modulus_wh)
    current = quarter_series(source, start, end)
    previous = quarter_series(source, start - (end - start), start)
    return load_profile(current, zone, previous)
