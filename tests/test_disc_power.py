"""Power from revolution intervals, and disc energy held to the counter."""

from __future__ import annotations

import numpy as np
import pytest

from stromzaehler.analytics.consumption import interpolate_energy
from stromzaehler.analytics.disc_power import (
    buckets_using_disc,
    check_revolutions_per_kwh,
    fused_energy_series,
    power_now,
    power_w,
    tracked_spans,
)

T0 = 1_764_000_000


def test_power_formula():
    assert power_w(48.0, 75.0) == pytest.approx(1000.0)
    assert power_w(2.4, 75.0) == pytest.approx(20000.0)
    assert power_w(600.0, 75.0) == pytest.approx(80.0)


def test_power_now_and_its_upper_bound_when_the_disc_slows_down():
    times = [T0 + 36.0 * i for i in range(40)]  # 1333 W
    flags = [False] + [True] * 39
    now = power_now(times, flags, times[-1] + 10.0, 75.0)
    assert now.power_w == pytest.approx(1333.33, rel=1e-4)
    assert not now.is_upper_bound
    assert now.last_revolution_utc == times[-1]
    for window in (60, 300, 900):
        assert now.mean_w[window] == pytest.approx(1333.33, rel=1e-4)
    later = power_now(times, flags, times[-1] + 72.0, 75.0)
    assert later.is_upper_bound
    assert later.power_w == pytest.approx(666.67, rel=1e-4)


def test_power_now_without_revolutions_or_across_a_gap():
    empty = power_now([], [], T0, 75.0)
    assert empty.power_w is None and empty.mean_w == {60: None, 300: None, 900: None}
    times = [T0, T0 + 10.0, T0 + 400.0, T0 + 410.0]
    gap = power_now(times, [False, True, False, True], T0 + 415.0, 75.0)
    assert gap.power_w == pytest.approx(4800.0)
    assert gap.mean_w[300] is None  # the window reaches back over an untracked stretch


def simulated(power_at_second: np.ndarray, revolutions_per_kwh: float = 75.0):
    """Truth energy per second, revolution times, and once-a-minute counter readings."""
    energy = np.concatenate(([0.0], np.cumsum(power_at_second) / 3600.0))
    seconds = np.arange(energy.size, dtype=np.float64)
    counts = 0.5 + energy * revolutions_per_kwh / 1000.0
    targets = np.arange(1, np.floor(counts[-1]) + 1)
    revolutions = T0 + np.interp(targets, counts, seconds)
    reading_t = np.arange(T0, T0 + energy.size, 60, dtype=np.int64)
    start_wh = 99_516_000 + 37
    counter = (np.floor((start_wh + energy[reading_t - T0]) / 100.0) * 100).astype(np.int64)
    return start_wh + energy, revolutions, reading_t, counter


def test_disc_energy_is_scaled_to_the_counter_difference_and_shapes_the_minutes():
    rng = np.random.default_rng(1)
    power = np.repeat(rng.choice([150.0, 400.0, 2200.0, 3500.0], 24), 300)  # 2 h of steps
    truth_wh, revolutions, reading_t, counter = simulated(power)
    flags = np.ones(revolutions.size, bool)
    flags[0] = False
    fused = fused_energy_series(reading_t, counter, revolutions, flags)
    ((span_from, span_to),) = fused.disc_spans
    # The anchors are counter readings: their values are in the series unchanged.
    for t in (span_from, span_to):
        assert fused.energy_wh[fused.t_utc == t][0] == counter[reading_t == t][0]
    assert np.all(np.diff(fused.t_utc) > 0) and np.all(np.diff(fused.energy_wh) >= 0)
    bounds = np.arange(span_from, span_to + 1, 60, dtype=np.int64)
    minutes = np.diff(interpolate_energy(fused.t_utc, fused.energy_wh, bounds))
    true_minutes = np.diff(truth_wh[bounds - T0])
    assert minutes.sum() == counter[reading_t == span_to][0] - counter[reading_t == span_from][0]
    assert np.mean(np.abs(minutes - true_minutes) <= 1000.0 / 75.0) >= 0.95
    counter_only = np.diff(interpolate_energy(reading_t, counter, bounds))
    assert np.abs(minutes - true_minutes).mean() < np.abs(counter_only - true_minutes).mean()


def test_where_the_disc_was_not_tracked_the_counter_readings_stay():
    power = np.full(7200, 1500.0)
    _, revolutions, reading_t, counter = simulated(power)
    keep = (revolutions < T0 + 2400) | (revolutions > T0 + 4800)
    revolutions = revolutions[keep]
    flags = np.ones(revolutions.size, bool)
    flags[0] = False
    flags[np.argmax(revolutions > T0 + 4800)] = False  # first one after the gap
    assert len(tracked_spans(revolutions, flags)) == 2
    fused = fused_energy_series(reading_t, counter, revolutions, flags)
    assert len(fused.disc_spans) == 2
    gap = (reading_t > fused.disc_spans[0][1]) & (reading_t < fused.disc_spans[1][0])
    for t, wh in zip(reading_t[gap], counter[gap], strict=True):
        assert fused.energy_wh[fused.t_utc == t][0] == wh
    bounds = np.arange(T0, T0 + 7201, 900, dtype=np.int64)
    used = buckets_using_disc(bounds, fused.disc_spans)
    assert not used[bounds[:-1] >= T0 + 2700][:2].any()
    assert used[1] and used[-2]


def test_no_revolutions_means_the_counter_alone():
    reading_t = np.arange(T0, T0 + 3600, 60, dtype=np.int64)
    counter = np.full(reading_t.size, 99_516_000, dtype=np.int64)
    fused = fused_energy_series(reading_t, counter, [], [])
    assert fused.disc_spans == []
    assert fused.t_utc.tolist() == reading_t.tolist()
    assert fused.energy_wh.tolist() == counter.tolist()


@pytest.mark.parametrize(("actual", "warns"), [(75.0, False), (80.0, True), (73.8, False)])
def test_revolutions_per_kwh_check_warns_beyond_two_percent(actual, warns):
    power = np.full(6 * 3600, 2000.0)  # 12 kWh
    _, revolutions, reading_t, counter = simulated(power, revolutions_per_kwh=actual)
    flags = np.ones(revolutions.size, bool)
    flags[0] = False
    check = check_revolutions_per_kwh(reading_t, counter, revolutions, flags, 75.0)
    assert check.revolutions_per_kwh == pytest.approx(actual, rel=0.01)
    assert (check.warning is not None) == warns


def test_revolutions_per_kwh_check_needs_enough_energy():
    _, revolutions, reading_t, counter = simulated(np.full(3600, 500.0))
    flags = np.ones(revolutions.size, bool)
    check = check_revolutions_per_kwh(reading_t, counter, revolutions, flags, 75.0)
    assert check.revolutions_per_kwh is None and check.warning is None
