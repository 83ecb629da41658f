"""Counter events: turn displayed counter values into one continuous energy series.

The rollers show the counter modulo 10**digits steps, and a replaced meter starts again from
its own value. Consumption only needs differences, so the series is anchored at its first
point and continues across rollovers and meter replacements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeterReplacement:
    """At t_utc the old meter showed old_end_wh and was replaced by one showing new_start_wh."""

    t_utc: int
    old_end_wh: int
    new_start_wh: int


def counter_modulus_wh(digits: int, decimals: int) -> int:
    """The counter value at which the rollers show all zeros again, in Wh.

    7 rollers with 1 decimal show up to 999999.9 kWh; the next step is 1_000_000_000 Wh.
    """
    if digits < 1 or not 0 <= decimals <= 3:
        raise ValueError(f"meter with {digits} rollers and {decimals} decimals is not supported")
    return 10**digits * 10 ** (3 - decimals)


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
    if not out_t:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    all_t = np.concatenate(out_t)
    all_e = np.concatenate(out_e)
    # Keep the last of equal times: reverse, take first occurrences, restore order.
    reversed_t = all_t[::-1]
    _, first = np.unique(reversed_t, return_index=True)
    keep = all_t.size - 1 - first
    return all_t[keep], all_e[keep]
