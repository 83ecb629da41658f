"""Consumption queries over stored readings, and upkeep of the quarter-hour pre-aggregate.

Every local hour, day, month and year boundary of a zone whose offsets are multiples of 15 min
is a UTC quarter hour, so those resolutions (and 15min itself) are sums of stored quarter-hour
energies: a year is 35,040 rows instead of 525,600 readings. Minute buckets (and zones with
odd offsets) are computed from the readings of the requested range.

Queries never write. The upkeep thread (analytics.upkeep) recomputes the quarters of the dirty
range the store's triggers maintain; until it has, the buckets that overlap it are computed on
the fly from the readings (analytics.staleness), so a correction or a reading inserted in the
past is reflected at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from .consumption import MISSING, QUARTER_S, Consumption, bucket_energy, buckets_from_quarters
from .disc_power import (
    SOURCE_COUNTER,
    SOURCE_DISC,
    SOURCE_MIXED,
    bucket_sources,
    day_pieces,
    fused_by_day,
)
from .edges import fill_edges, recording_span
from .periods import RangeError, bucket_boundaries
from .profile import QuarterSeries, load_profile
from .series import CounterModel, MeterReplacement, continuous_series, refine_steps
from .staleness import FAR_FUTURE, FAR_PAST, Span, stale_parts, stale_spans

MAX_PROFILE_DAYS = 3 * 366
DAY_S = 86400
# Disc stretches need counter anchors at least this many roller steps apart: each anchor's time
# is only known to within a reading interval, which must stay small against the stretch.
MIN_ANCHOR_STEPS = 3
# In the stored quality of a quarter the disc shaped all of or a part of (store.counters).
DISC_BIT, DISC_PART_BIT = 4, 8


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
    def readings_before(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...
    def readings_after(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...
    def replacements(
        self, from_utc: int | None = None, to_utc: int | None = None
    ) -> Sequence[ReplacementRow]: ...
    def dirty_spans(self) -> list[tuple[int, int]]: ...
    def set_dirty_range(self, span: tuple[int, int] | None) -> None: ...
    def clear_dirty(self, lo_utc: int, hi_utc: int) -> None: ...
    def replace_quarters(
        self,
        lo_utc: int,
        hi_utc: int,
        quarter_utc: Sequence[int],
        energy_wh: Sequence[int],
        estimated: Sequence[int],
    ) -> None: ...
    def quarters(self, from_utc: int, to_utc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def time_range(self) -> tuple[int, int] | None: ...
    def model_key(self) -> str | None: ...
    def set_model_key(self, key: str) -> None: ...


def _informative(
    energy_wh: np.ndarray, shown_wh: np.ndarray, t_utc: np.ndarray, model: CounterModel
) -> np.ndarray:
    """Per interval (k-1, k): does refine_steps put a point inside [t[k-1], t[k]]?"""
    exact = shown_wh % max(model.resolution_wh, 1) != 0
    return ((np.diff(energy_wh) != 0) | (np.diff(t_utc) > model.gap_limit_s)
            | exact[1:] | exact[:-1])


def _settled_before(t_utc: np.ndarray, energy_wh: np.ndarray, shown_wh: np.ndarray,
                    at_utc: int, model: CounterModel) -> bool:
    informative = _informative(energy_wh, shown_wh, t_utc, model)
    return bool(np.any((t_utc[1:] <= at_utc) & informative))


def _settled_after(t_utc: np.ndarray, energy_wh: np.ndarray, shown_wh: np.ndarray,
                   at_utc: int, model: CounterModel) -> bool:
    informative = _informative(energy_wh, shown_wh, t_utc, model)
    return bool(np.any((t_utc[:-1] >= at_utc) & informative))


def load_series(
    source: CounterSource, from_utc: int, to_utc: int, model: CounterModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reading_t, point_t, point_e) around [from_utc, to_utc], counter events applied.

    reading_t are the times of the readings (for quality), point_t/point_e the continuous
    energy series to interpolate (refined for counters with coarse steps). Enough readings
    are loaded on each side that the points inside the range are those of the whole history.
    """
    inside_t, inside_c = source.readings_with_neighbours(from_utc, to_utc, 0)
    before_n = after_n = 16
    while True:
        before_t, before_c = source.readings_before(from_utc, before_n)
        after_t, after_c = source.readings_after(to_utc, after_n)
        times = np.concatenate((before_t, inside_t, after_t))
        counters = np.concatenate((before_c, inside_c, after_c))
        lo = int(times[0]) if before_t.size else FAR_PAST
        hi = int(times[-1]) if after_t.size else FAR_FUTURE
        events = [
            MeterReplacement(int(r.t_utc), int(r.old_end_wh), int(r.new_start_wh))
            for r in source.replacements(lo, hi)
        ]
        reading_t, energy, shown = continuous_series(times, counters, events, model.modulus_wh)
        if model.resolution_wh <= 1:
            return reading_t, reading_t, energy
        start_ok = before_t.size < before_n or _settled_before(reading_t, energy, shown,
                                                                from_utc, model)
        end_ok = after_t.size < after_n or _settled_after(reading_t, energy, shown, to_utc,
                                                          model)
        if start_ok and end_ok:
            break
        before_n *= 1 if start_ok else 8
        after_n *= 1 if end_ok else 8
    point_t, point_e = refine_steps(reading_t, energy, model.resolution_wh, model.gap_limit_s,
                                    shown)
    return reading_t, point_t, point_e


def _floor_day(t_utc: int) -> int:
    return t_utc // DAY_S * DAY_S


def _has_revolutions(source: CounterSource, from_utc: int, to_utc: int) -> bool:
    # Sources without a disc (test doubles, older stores) have no such method.
    probe = getattr(source, "has_revolutions", None)
    return bool(probe is not None and probe(from_utc, to_utc))


def load_fused(
    source: CounterSource, from_utc: int, to_utc: int, model: CounterModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]] | None]:
    """load_series with the disc's revolutions put between counter steps where it was tracked.

    Returns (reading_t, point_t, point_e, disc_spans); disc_spans is None when the store holds
    no revolutions around the range (then the series is exactly load_series'). The disc is
    fused in day-long pieces (disc_power.fused_by_day); the pieces that can reach into the
    range start on the day before it, and the last one needs two days after its own (and a
    revolution after its end).
    """
    first_day, last_day = _floor_day(from_utc) - DAY_S, _floor_day(to_utc)
    if not _has_revolutions(source, first_day - DAY_S, last_day + 2 * DAY_S):
        return (*load_series(source, from_utc, to_utc, model), None)
    reading_t, point_t, point_e = load_series(source, first_day, last_day + 2 * DAY_S, model)
    # Only the pieces reaching into the range matter, and only their revolutions are loaded
    # (a day at 10 kW holds 18,000).
    pieces = [
        (day, start, end)
        for day, start, end in day_pieces(point_t, point_e, first_day, last_day + DAY_S)
        if point_t[end] > from_utc and point_t[start] < to_utc
    ]
    if not pieces:
        return reading_t, point_t, point_e, []
    revolution_t, continuous = source.revolutions_around(  # type: ignore[attr-defined]
        int(point_t[pieces[0][1]]), int(point_t[pieces[-1][2]]))
    fused = fused_by_day(point_t, point_e, revolution_t, continuous, pieces[0][0],
                         pieces[-1][0] + DAY_S, MIN_ANCHOR_STEPS * max(model.resolution_wh, 1))
    return reading_t, fused.t_utc, fused.energy_wh, fused.disc_spans


def _floor_quarter(t_utc: int) -> int:
    return t_utc // QUARTER_S * QUARTER_S


def _ceil_quarter(t_utc: int) -> int:
    return -(-t_utc // QUARTER_S) * QUARTER_S


def consumption(
    source: CounterSource,
    resolution: str,
    from_utc: int,
    to_utc: int,
    zone: ZoneInfo,
    model: CounterModel,
    use_quarters: bool = True,
) -> Consumption:
    """Buckets covering [from_utc, to_utc) in local time; raises periods.RangeError.

    Where the store holds disc revolutions for the range, the result says per bucket whether
    the disc shaped it (Consumption.source); without any, source is None and the result is the
    counter's alone.
    """
    bounds = bucket_boundaries(resolution, from_utc, to_utc, zone)
    sources: np.ndarray | None = None
    stale = stale_spans(source, model)
    if use_quarters and resolution != "minute" and not np.any(bounds % QUARTER_S):
        if _has_revolutions(source, int(bounds[0]), int(bounds[-1])):
            quarter_utc, quarter_wh, estimated, shaped = source.quarters_with_disc(  # type: ignore[attr-defined]
                int(bounds[0]), int(bounds[-1]))
            sources = _sources_from_quarters(quarter_utc, shaped, bounds)
        else:
            quarter_utc, quarter_wh, estimated = source.quarters(int(bounds[0]), int(bounds[-1]))
        energy_wh, quality = buckets_from_quarters(quarter_utc, quarter_wh, estimated, bounds)
        sources = _fill_on_the_fly(source, bounds, energy_wh, quality, sources, stale, model)
    else:
        reading_t, point_t, point_e, disc_spans = load_fused(
            source, int(bounds[0]), int(bounds[-1]), model)
        energy_wh, quality = bucket_energy(point_t, point_e, bounds, model.gap_limit_s,
                                           reading_t)
        if disc_spans is not None:
            sources = bucket_sources(bounds, disc_spans)
    if sources is not None:
        sources[quality == MISSING] = SOURCE_COUNTER
    partial = _so_far(source, bounds, quality, model, stale)
    coverage = fill_edges(bounds, energy_wh, quality, recording_span(source),
                          lambda lo, hi: load_fused(source, lo, hi, model)[:3],
                          model.gap_limit_s)
    if partial is None:
        return Consumption(resolution, zone.key, bounds, energy_wh, quality, source=sources,
                           coverage=coverage)
    return Consumption(resolution, zone.key, bounds, energy_wh, quality, *partial,
                       source=sources, coverage=coverage)


def _fill_on_the_fly(
    source: CounterSource,
    bounds: np.ndarray,
    energy_wh: np.ndarray,
    quality: np.ndarray,
    sources: np.ndarray | None,
    stale: list[Span],
    model: CounterModel,
) -> np.ndarray | None:
    """Recompute in place the buckets overlapping the stale spans from the readings (each
    stretch of them on its own, so the cost follows the stale spans, not the range between
    them); returns the per-bucket sources (made when only the recomputed part has disc
    revolutions)."""
    for first, end in stale_parts(bounds, stale):
        sub = bounds[first:end + 1]
        reading_t, point_t, point_e, disc_spans = load_fused(
            source, int(sub[0]), int(sub[-1]), model)
        energy_wh[first:end], quality[first:end] = bucket_energy(
            point_t, point_e, sub, model.gap_limit_s, reading_t)
        if disc_spans is not None and sources is None:
            sources = np.full(quality.size, SOURCE_COUNTER, dtype=np.int8)
        if sources is not None:
            sources[first:end] = (SOURCE_COUNTER if disc_spans is None
                                  else bucket_sources(sub, disc_spans))
    return sources


def _sources_from_quarters(
    quarter_utc: np.ndarray, shaped: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Per bucket (bounds multiples of 900 s) from the quarters' sources (shaped): disc when
    the disc shaped all of its quarters wholly, counter when none of them at all, else mixed."""
    origin = int(bounds[0])
    count = int(bounds[-1] - origin) // QUARTER_S
    whole = np.zeros(count, dtype=np.int64)
    touched = np.zeros(count, dtype=np.int64)
    index = (np.asarray(quarter_utc, dtype=np.int64) - origin) // QUARTER_S
    inside = (index >= 0) & (index < count)
    shaped = np.asarray(shaped)[inside]
    whole[index[inside]] = shaped == SOURCE_DISC
    touched[index[inside]] = shaped != SOURCE_COUNTER
    bound_index = (bounds - origin) // QUARTER_S

    def per_bucket(per_quarter: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(([0], np.cumsum(per_quarter)))
        return cumulative[bound_index[1:]] - cumulative[bound_index[:-1]]

    all_disc = per_bucket(whole) == np.diff(bound_index)
    return np.where(all_disc, SOURCE_DISC,
                    np.where(per_bucket(touched) > 0, SOURCE_MIXED, SOURCE_COUNTER)).astype(np.int8)


def _so_far(
    source: CounterSource,
    bounds: np.ndarray,
    quality: np.ndarray,
    model: CounterModel,
    stale: list[Span] | None = None,
) -> tuple[int, int, int] | None:
    """(bucket index, latest reading, Wh from the bucket start to it) for the missing bucket
    that holds the latest reading, when its start is covered by readings."""
    latest_t, _ = source.readings_before(FAR_FUTURE, 1)
    if latest_t.size == 0:
        return None
    latest = int(latest_t[0])
    index = int(np.searchsorted(bounds, latest, side="right")) - 1
    if not 0 <= index < quality.size or quality[index] != MISSING or latest == bounds[index]:
        return None
    start = int(bounds[index])
    energy_wh = 0
    tail_start = start
    if start % QUARTER_S == 0 and latest - start > 2 * QUARTER_S:
        # Whole quarter hours from the pre-aggregate, only the last part from readings.
        tail_start = _floor_quarter(latest)
        # stored quarters only up to the first stale span that reaches into the bucket
        for lo, hi in stale or ():
            if hi > start:
                tail_start = max(start, min(tail_start, _floor_quarter(max(lo, start))))
                break
        quarter_utc, quarter_wh, _ = source.quarters(start, tail_start)
        if quarter_utc.size != (tail_start - start) // QUARTER_S:
            return None
        energy_wh = int(quarter_wh.sum())
    reading_t, point_t, point_e, _ = load_fused(source, tail_start, latest, model)
    tail_wh, tail_quality = bucket_energy(point_t, point_e, np.array([tail_start, latest]),
                                          model.gap_limit_s, reading_t)
    if tail_quality[0] == MISSING:
        return None
    return index, latest, energy_wh + int(tail_wh[0])


def quarter_series(
    source: CounterSource,
    start_utc: int,
    end_utc: int,
    stale: list[Span] | None = None,
    model: CounterModel | None = None,
) -> QuarterSeries:
    """Dense quarter hours of [start_utc, end_utc) from the pre-aggregate (both aligned); the
    quarters in the stale span are computed from the readings (model needed then)."""
    count = (end_utc - start_utc) // QUARTER_S
    energy_wh = np.zeros(count, dtype=np.int64)
    quality = np.full(count, MISSING, dtype=np.int8)
    quarter_utc, quarter_wh, estimated = source.quarters(start_utc, end_utc)
    index = (quarter_utc - start_utc) // QUARTER_S
    energy_wh[index] = quarter_wh
    quality[index] = estimated
    if model is not None and count:
        bounds = start_utc + QUARTER_S * np.arange(count + 1, dtype=np.int64)
        _fill_on_the_fly(source, bounds, energy_wh, quality, None, stale or [], model)
    return QuarterSeries(start_utc, energy_wh, quality)


def profile(
    source: CounterSource,
    from_utc: int,
    to_utc: int,
    zone: ZoneInfo,
    model: CounterModel,
) -> dict[str, Any]:
    """Load profile of the local days covering [from_utc, to_utc), with the period of the same
    length just before it for comparison."""
    if to_utc - from_utc > MAX_PROFILE_DAYS * 86400:
        raise RangeError(f"a profile covers at most {MAX_PROFILE_DAYS} days")
    days = bucket_boundaries("day", from_utc, to_utc, zone)
    start, end = int(days[0]), int(days[-1])
    if start % QUARTER_S or end % QUARTER_S:
        raise RangeError(f"time zone {zone.key} has an offset that is not a whole quarter hour")
    stale = stale_spans(source, model)
    current = quarter_series(source, start, end, stale, model)
    previous = quarter_series(source, start - (end - start), start, stale, model)
    return load_profile(current, zone, previous)
