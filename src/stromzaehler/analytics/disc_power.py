"""Power and energy from the disc's revolutions, held to the counter.

Pure: revolution times and counter readings in, numbers out; no SQL, no clock.

- Power from the time between two passes: P = 3,600,000 / (revolutions_per_kwh * seconds) W.
  While the disc takes longer than its last period, the power now is at most what one
  revolution in the time since the last pass would mean: an upper bound, said as such.
- Energy: the counter stays the truth for totals (DESIGN.md invariant 5). Between two counter
  readings the disc says *when* the energy was used: the cumulative revolution count,
  interpolated between passes, is scaled so that it rises from the first counter reading's
  value to the second's. `fused_energy_series` gives that as an ordinary (t_utc, energy_wh)
  series, so the consumption buckets interpolate it like readings and still telescope.
- Where the disc was not tracked (gaps, no two counter changes to scale by) the counter
  readings stay as they are: the buckets there fall back to the counter alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MEAN_WINDOWS_S = (60, 300, 900)
RATE_TOLERANCE = 0.02  # revolutions vs counter: warn beyond 2 %
RATE_CHECK_MIN_WH = 10_000  # the counter's 100 Wh steps are < 1 % of 10 kWh on each end


def power_w(interval_s: float, revolutions_per_kwh: float) -> float:
    """Mean power while the disc made one revolution in interval_s seconds."""
    return 3_600_000.0 / (revolutions_per_kwh * interval_s)


@dataclass(frozen=True)
class PowerNow:
    power_w: float | None  # from the last period, or the upper bound when slower than that
    is_upper_bound: bool  # the disc has been slower than its last period since
    last_revolution_utc: float | None
    period_s: float | None  # of the last complete, continuously tracked revolution
    mean_w: dict[int, float | None]  # mean power over the last 60, 300, 900 s


def power_now(
    revolution_utc: Sequence[float],
    continuous: Sequence[bool],
    now_utc: float,
    revolutions_per_kwh: float,
    tracked_since_utc: float | None = None,
) -> PowerNow:
    """Power now from the latest revolutions (oldest first; `continuous[i]` says revolution i
    followed i-1 without a tracking gap). `tracked_since_utc`: tracking has run without a gap
    since then (means over windows reaching further back are None)."""
    times = np.asarray(revolution_utc, dtype=np.float64)
    flags = np.asarray(continuous, dtype=bool)
    if times.size == 0:
        return PowerNow(None, False, None, None, {w: None for w in MEAN_WINDOWS_S})
    last = float(times[-1])
    period = float(times[-1] - times[-2]) if times.size >= 2 and flags[-1] else None
    since = max(now_utc - last, 0.0)
    value: float | None = None
    bounded = False
    if period is not None and period > 0:
        value = power_w(period, revolutions_per_kwh)
        if since > period:
            value, bounded = power_w(since, revolutions_per_kwh), True
    means = {
        window: _mean_power_w(
            times, flags, now_utc, window, period, revolutions_per_kwh, tracked_since_utc
        )
        for window in MEAN_WINDOWS_S
    }
    return PowerNow(value, bounded, last, period, means)


def _mean_power_w(
    times: np.ndarray,
    flags: np.ndarray,
    now_utc: float,
    window_s: int,
    period_s: float | None,
    revolutions_per_kwh: float,
    tracked_since_utc: float | None,
) -> float | None:
    start = now_utc - window_s
    if tracked_since_utc is not None and start < tracked_since_utc:
        return None
    # The revolutions covering the window must follow each other without a tracking gap.
    first = int(np.searchsorted(times, start, side="right")) - 1
    if first < 0 or not flags[first + 1 :].all():
        return None
    last = float(times[-1])
    since = now_utc - last
    # After the last pass the disc turns at the last period's pace, or, once it is slower
    # than that, at the pace that completes a revolution now (the upper bound).
    pace_s = max(period_s or since, since)

    def count_at(t_utc: float) -> float:
        if t_utc <= last:
            return float(_cumulative_revolutions(times, np.array([t_utc]))[0])
        return times.size - 1 + ((t_utc - last) / pace_s if pace_s > 0 else 0.0)

    turned = count_at(now_utc) - count_at(start)
    return turned * 1000.0 / revolutions_per_kwh * 3600.0 / window_s


def _cumulative_revolutions(times: np.ndarray, at_utc: np.ndarray) -> np.ndarray:
    """Revolution count at each instant: i at times[i], linear in between (clamped)."""
    return np.interp(at_utc, times, np.arange(times.size, dtype=np.float64))


@dataclass(frozen=True)
class FusedSeries:
    t_utc: np.ndarray  # int64, strictly increasing
    energy_wh: np.ndarray  # int64, non-decreasing within a meter's life
    disc_spans: list[tuple[int, int]]  # [from, to] where the disc shapes the energy


def tracked_spans(
    revolution_utc: Sequence[float], continuous: Sequence[bool]
) -> list[tuple[int, int]]:
    """Index ranges [i, j] of revolutions that follow each other without a tracking gap."""
    flags = np.asarray(continuous, dtype=bool)
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, flags.size):
        if not flags[i]:
            if i - 1 > start:
                spans.append((start, i - 1))
            start = i
    if flags.size - 1 > start:
        spans.append((start, flags.size - 1))
    return spans


def fused_energy_series(
    reading_utc: Sequence[int],
    counter_wh: Sequence[int],
    revolution_utc: Sequence[float],
    continuous: Sequence[bool],
    min_anchor_wh: int = 0,
) -> FusedSeries:
    """Counter readings with the disc's shape put between them (see the module docstring).

    A stretch whose anchors are less than min_anchor_wh apart keeps the counter readings: the
    anchors' own uncertainty (up to a roller step's timing) would dominate the scale.

    Within each stretch of continuous tracking, the first and the last reading at which the
    counter showed a new value (so its energy is known best) anchor the stretch; readings in
    between are replaced by one point per revolution whose energy is the anchor energies
    interpolated by the revolution count. Readings outside anchored stretches are kept.
    """
    t = np.asarray(reading_utc, dtype=np.int64)
    wh = np.asarray(counter_wh, dtype=np.int64)
    revs = np.asarray(revolution_utc, dtype=np.float64)
    changed = np.concatenate(([False], np.diff(wh) != 0)) if t.size else np.zeros(0, bool)
    keep = np.ones(t.size, dtype=bool)
    extra_t: list[np.ndarray] = []
    extra_wh: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []
    for first, last in tracked_spans(revs, continuous):
        span_times = revs[first : last + 1]
        inside = (t >= span_times[0]) & (t <= span_times[-1]) & changed
        anchors = np.flatnonzero(inside)
        if anchors.size < 2:
            continue
        a, b = int(anchors[0]), int(anchors[-1])
        ta, tb = int(t[a]), int(t[b])
        count_a, count_b = _cumulative_revolutions(span_times, np.array([ta, tb], np.float64))
        if count_b <= count_a or wh[b] < wh[a] or wh[b] - wh[a] < min_anchor_wh:
            continue
        between = span_times[(span_times > ta) & (span_times < tb)]
        seconds = np.unique(np.round(between).astype(np.int64))
        seconds = seconds[(seconds > ta) & (seconds < tb)]
        share = (_cumulative_revolutions(span_times, seconds.astype(np.float64)) - count_a) / (
            count_b - count_a
        )
        energy = wh[a] + np.round(share * float(wh[b] - wh[a])).astype(np.int64)
        keep[(t > ta) & (t < tb)] = False
        extra_t.append(seconds)
        extra_wh.append(energy)
        spans.append((ta, tb))
    all_t = np.concatenate([t[keep], *extra_t]) if extra_t else t
    all_wh = np.concatenate([wh[keep], *extra_wh]) if extra_wh else wh
    order = np.argsort(all_t, kind="stable")
    return FusedSeries(all_t[order], all_wh[order], spans)


DAY_S = 86400


def day_pieces(
    t_utc: np.ndarray, energy_wh: np.ndarray, from_utc: int, to_utc: int
) -> list[tuple[int, int, int]]:
    """(day, start, end) for the days of [from_utc, to_utc) with a counter change: the piece
    of points t_utc[start:end + 1], from the point before the day's first change to the next
    day's first change (or the day's last point when the next day has none). See fused_by_day.
    """
    t = np.asarray(t_utc, dtype=np.int64)
    change_t = t[1:][np.diff(np.asarray(energy_wh, dtype=np.int64)) != 0]
    pieces: list[tuple[int, int, int]] = []
    for day in range(from_utc, to_utc, DAY_S):
        first = int(np.searchsorted(change_t, day))
        if first >= change_t.size or change_t[first] >= day + DAY_S:
            continue
        start = max(int(np.searchsorted(t, change_t[first])) - 1, 0)
        following = int(np.searchsorted(change_t, day + DAY_S))
        if following < change_t.size and change_t[following] < day + 2 * DAY_S:
            end = int(np.searchsorted(t, change_t[following]))
        else:
            end = int(np.searchsorted(t, day + DAY_S)) - 1
        pieces.append((day, start, end))
    return pieces


def fused_by_day(
    t_utc: np.ndarray,
    energy_wh: np.ndarray,
    revolution_utc: np.ndarray,
    continuous: np.ndarray,
    from_utc: int,
    to_utc: int,
    min_anchor_wh: int = 0,
) -> FusedSeries:
    """fused_energy_series in day-long pieces, for the days d of [from_utc, to_utc) (whole
    UTC days).

    The piece of day d runs from the first counter change at or after d's midnight to the
    first one at or after the next midnight (within the day after; else to d's last point),
    and is fused from its own points and revolutions only. So a piece comes out the same in
    any window that holds it (the quarter-hour pre-aggregate and a minute query agree), a
    change only reshapes the pieces around it, and a long tracked stretch still has anchors
    a day's energy apart. Callers need the points from the day before from_utc to two days
    after the last day, and the revolutions of the pieces (day_pieces) with one more on each
    side; points outside the pieces are kept as they are.
    """
    t = np.asarray(t_utc, dtype=np.int64)
    wh = np.asarray(energy_wh, dtype=np.int64)
    revs = np.asarray(revolution_utc, dtype=np.float64)
    flags = np.asarray(continuous, dtype=bool)
    remove = np.zeros(t.size, dtype=bool)
    extra_t: list[np.ndarray] = []
    extra_wh: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []
    for day, start, end in day_pieces(t, wh, from_utc, to_utc):
        # An anchor needs a revolution on each side: from the last one before the piece's
        # first point (at most a day before its day) to the first one after its last point.
        r_lo = max(int(np.searchsorted(revs, float(t[start]), side="right")) - 1,
                   int(np.searchsorted(revs, float(day - DAY_S))))
        r_hi = min(int(np.searchsorted(revs, float(t[end]), side="right")) + 1, revs.size)
        if end - start < 2 or r_hi - r_lo < 2:
            continue
        fused = fused_energy_series(t[start : end + 1], wh[start : end + 1], revs[r_lo:r_hi],
                                    flags[r_lo:r_hi], min_anchor_wh)
        for span_from, span_to in fused.disc_spans:
            remove |= (t > span_from) & (t < span_to)
            inside = (fused.t_utc > span_from) & (fused.t_utc < span_to)
            extra_t.append(fused.t_utc[inside])
            extra_wh.append(fused.energy_wh[inside])
            spans.append((span_from, span_to))
    if not spans:
        return FusedSeries(t, wh, [])
    all_t = np.concatenate([t[~remove], *extra_t])
    all_wh = np.concatenate([wh[~remove], *extra_wh])
    order = np.argsort(all_t, kind="stable")
    return FusedSeries(all_t[order], all_wh[order], spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans that touch (one piece ends at the counter change where the next starts) as one."""
    merged: list[tuple[int, int]] = []
    for span_from, span_to in sorted(spans):
        if merged and span_from <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span_to))
        else:
            merged.append((span_from, span_to))
    return merged


def buckets_using_disc(bounds_utc: np.ndarray, disc_spans: list[tuple[int, int]]) -> np.ndarray:
    """For buckets [bounds[i], bounds[i+1]): True where the disc shaped the whole bucket."""
    bounds = np.asarray(bounds_utc, dtype=np.int64)
    used = np.zeros(max(bounds.size - 1, 0), dtype=bool)
    for span_from, span_to in _merged(disc_spans):
        used |= (bounds[:-1] >= span_from) & (bounds[1:] <= span_to)
    return used


SOURCE_COUNTER, SOURCE_DISC, SOURCE_MIXED = 0, 1, 2
SOURCE_NAMES: tuple[str, ...] = ("counter", "disc", "mixed")


def bucket_sources(bounds_utc: np.ndarray, disc_spans: list[tuple[int, int]]) -> np.ndarray:
    """Per bucket: SOURCE_DISC where the disc shaped all of it, SOURCE_MIXED where it shaped a
    part, SOURCE_COUNTER elsewhere (int8)."""
    bounds = np.asarray(bounds_utc, dtype=np.int64)
    whole = buckets_using_disc(bounds, disc_spans)
    touched = np.zeros(whole.size, dtype=bool)
    for span_from, span_to in disc_spans:
        touched |= (bounds[:-1] < span_to) & (bounds[1:] > span_from)
    return np.where(whole, SOURCE_DISC, np.where(touched, SOURCE_MIXED, SOURCE_COUNTER)).astype(
        np.int8)


@dataclass(frozen=True)
class RateCheck:
    revolutions: float
    counter_wh: int
    revolutions_per_kwh: float | None  # what disc and counter together say
    deviation: float | None  # relative to the configured value
    warning: str | None


def check_revolutions_per_kwh(
    reading_utc: Sequence[int],
    counter_wh: Sequence[int],
    revolution_utc: Sequence[float],
    continuous: Sequence[bool],
    configured_per_kwh: float,
    min_wh: int = RATE_CHECK_MIN_WH,
) -> RateCheck:
    """Revolutions against counter increments over the continuously tracked stretches."""
    t = np.asarray(reading_utc, dtype=np.int64)
    wh = np.asarray(counter_wh, dtype=np.int64)
    revs = np.asarray(revolution_utc, dtype=np.float64)
    changed = np.concatenate(([False], np.diff(wh) != 0)) if t.size else np.zeros(0, bool)
    total_revolutions, total_wh = 0.0, 0
    for first, last in tracked_spans(revs, continuous):
        span_times = revs[first : last + 1]
        anchors = np.flatnonzero((t >= span_times[0]) & (t <= span_times[-1]) & changed)
        if anchors.size < 2:
            continue
        a, b = int(anchors[0]), int(anchors[-1])
        counts = _cumulative_revolutions(span_times, t[[a, b]].astype(np.float64))
        total_revolutions += float(counts[1] - counts[0])
        total_wh += int(wh[b] - wh[a])
    if total_wh < min_wh or total_revolutions <= 0:
        return RateCheck(total_revolutions, total_wh, None, None, None)
    measured = total_revolutions / (total_wh / 1000.0)
    deviation = measured / configured_per_kwh - 1.0
    warning = None
    if abs(deviation) > RATE_TOLERANCE:
        warning = (
            f"the disc turned {measured:.1f} times per kWh, the configured value is"
            f" {configured_per_kwh:g} ({deviation:+.1%}): check meter.revolutions_per_kwh"
            " or the disc window"
        )
    return RateCheck(total_revolutions, total_wh, measured, deviation, warning)
