"""Counter events: turn displayed counter values into one continuous energy series.

The rollers show the counter modulo 10**digits steps, and a replaced meter starts again from
its own value. Consumption only needs differences, so the series is anchored at its first
point and continues across rollovers and meter replacements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..geometry import modulus_wh, wh_per_step


@dataclass(frozen=True)
class MeterReplacement:
    """At t_utc the old meter showed old_end_wh and was replaced by one showing new_start_wh."""

    t_utc: int
    old_end_wh: int
    new_start_wh: int


@dataclass(frozen=True)
class CounterModel:
    """How to read a meter's counter values: where it rolls over, the energy of one step of its
    last roller, and from which interval on readings are too far apart to be 'measured'."""

    modulus_wh: int = 1_000_000_000
    resolution_wh: int = 1
    gap_limit_s: int = 1800

    @classmethod
    def for_meter(cls, digits: int, decimals: int, gap_limit_s: int = 1800) -> CounterModel:
        return cls(counter_modulus_wh(digits, decimals), wh_per_step(decimals), gap_limit_s)


def counter_modulus_wh(digits: int, decimals: int) -> int:
    """The counter value at which the rollers show all zeros again, in Wh.

    7 rollers with 1 decimal show up to 999999.9 kWh; the next step is 1_000_000_000 Wh.
    """
    if digits < 1 or not 0 <= decimals <= 3:
        raise ValueError(f"meter with {digits} rollers and {decimals} decimals is not supported")
    return modulus_wh(digits, decimals)


def _unwrap(counter_wh: np.ndarray, modulus_wh: int) -> np.ndarray:
    """Add the modulus after every drop of more than half of it (the rollers went past 9…9)."""
    if counter_wh.size < 2:
        return counter_wh.astype(np.int64)
    steps = np.diff(counter_wh)
    steps[steps < -modulus_wh // 2] += modulus_wh
    return np.concatenate(([counter_wh[0]], counter_wh[0] + np.cumsum(steps))).astype(np.int64)


def energy_series(
    t_utc: np.ndarray,
    counter_wh: np.ndarray,
    replacements: Sequence[MeterReplacement],
    modulus_wh: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(t_utc, energy_wh): strictly increasing times, integer energy continuous across events.
    See continuous_series."""
    times, energy, _ = continuous_series(t_utc, counter_wh, replacements, modulus_wh)
    return times, energy


def continuous_series(
    t_utc: np.ndarray,
    counter_wh: np.ndarray,
    replacements: Sequence[MeterReplacement],
    modulus_wh: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_utc, energy_wh, shown_wh): strictly increasing times, integer energy continuous
    across events, and the counter value the meter showed at each point.

    Readings at t >= a replacement's time belong to the new meter. The replacement adds two
    points at its time (old meter's end, new meter's start) that coincide in energy, so the
    consumption between the last old and the first new reading is known, not guessed.
    Of several readings at the same second the last one wins (a manual reading entered later).
    """
    times = np.asarray(t_utc, dtype=np.int64)
    counters = np.asarray(counter_wh, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    times, counters = times[order], counters[order]
    events = sorted(replacements, key=lambda r: r.t_utc)
    event_times = np.array([r.t_utc for r in events], dtype=np.int64)
    segment_of = np.searchsorted(event_times, times, side="right")

    out_t: list[np.ndarray] = []
    out_e: list[np.ndarray] = []
    out_c: list[np.ndarray] = []
    level: int | None = None  # energy at the end of the previous segment
    for segment in range(len(events) + 1):
        mask = segment_of == segment
        seg_t, seg_c = times[mask], counters[mask]
        if segment > 0:
            start = events[segment - 1]
            seg_t = np.concatenate(([start.t_utc], seg_t))
            seg_c = np.concatenate(([start.new_start_wh], seg_c))
        if segment < len(events):
            end = events[segment]
            seg_t = np.concatenate((seg_t, [end.t_utc]))
            seg_c = np.concatenate((seg_c, [end.old_end_wh]))
        if seg_t.size == 0:
            continue
        energy = _unwrap(seg_c, modulus_wh)
        if level is not None:
            energy = energy - energy[0] + level
        level = int(energy[-1])
        out_t.append(seg_t)
        out_e.append(energy)
        out_c.append(seg_c)
    if not out_t:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    all_t = np.concatenate(out_t)
    all_e = np.concatenate(out_e)
    all_c = np.concatenate(out_c).astype(np.int64)
    # Keep the last of equal times: reverse, take first occurrences, restore order.
    reversed_t = all_t[::-1]
    _, first = np.unique(reversed_t, return_index=True)
    keep = all_t.size - 1 - first
    return all_t[keep], all_e[keep], all_c[keep]


def refine_steps(
    t_utc: np.ndarray,
    energy_wh: np.ndarray,
    resolution_wh: int,
    gap_limit_s: int,
    shown_wh: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Points that locate the energy better than readings of a counter with coarse steps.

    A counter whose last roller counts resolution_wh (100 Wh for one decimal) shows the same
    value for many readings at low power; interpolating between those readings would draw a
    staircase (all of a step's energy in the minute the roller turned). The information is in
    the moments the value changes: between readings k-1 and k the energy passed the value of
    reading k. Expecting the energy half a step above the shown value at reading k-1, the
    crossing lies at the fraction 1 - step/(2*change) of the interval (the middle for one step,
    near the end for a change of many steps). Around a gap longer than gap_limit_s, and at the
    first and last reading, the readings themselves are the points, half a step above the shown
    value. A reading whose shown value (shown_wh, default energy_wh) is not a whole number of
    steps (a finer source, e.g. the simulator's ideal readings) is exact and used as it is.
    Each point depends only on the readings of its
    interval, so any window of readings gives the same points wherever it overlaps another.
    """
    if resolution_wh <= 1 or t_utc.size < 2:
        return t_utc, energy_wh
    half_step = resolution_wh // 2
    exact = (energy_wh if shown_wh is None else shown_wh) % resolution_wh != 0
    interval_s = np.diff(t_utc)
    change_wh = np.diff(energy_wh)
    short = interval_s <= gap_limit_s
    stepped = ~exact[:-1] & ~exact[1:]
    k = np.flatnonzero(short & stepped & (change_wh > 0))
    offset_s = (interval_s[k] * (2 * change_wh[k] - resolution_wh)) // (2 * change_wh[k])
    crossing_t = t_utc[k] + np.clip(offset_s, 1, interval_s[k])
    crossing_e = energy_wh[k + 1]
    long_gap = np.flatnonzero(~short)
    ends = np.unique(np.concatenate(([0], long_gap, long_gap + 1, [t_utc.size - 1])))
    anchor = ends[~exact[ends]]
    exact_index = np.flatnonzero(exact)
    times = np.concatenate((crossing_t, t_utc[anchor], t_utc[exact_index]))
    values = np.concatenate(
        (crossing_e, energy_wh[anchor] + half_step, energy_wh[exact_index])
    )
    kind = np.concatenate((np.zeros(k.size, np.int8), np.ones(anchor.size + exact_index.size,
                                                               np.int8)))
    order = np.lexsort((kind, times))
    times, values = times[order], values[order]
    # A crossing at the very reading that is also a point itself: the reading (later) wins.
    last_of_equal = np.append(times[1:] != times[:-1], True)
    return times[last_of_equal], values[last_of_equal]
