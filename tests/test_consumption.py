"""Consumption per bucket from readings: interpolation, quality, counter events, sum consistency."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stromzaehler.analytics.consumption import (
    ESTIMATED,
    MEASURED,
    MISSING,
    bucket_energy,
    buckets_from_quarters,
    interpolate_energy,
)
from stromzaehler.analytics.periods import bucket_boundaries
from stromzaehler.analytics.series import (
    MeterReplacement,
    counter_modulus_wh,
    energy_series,
    refine_steps,
)

BERLIN = ZoneInfo("Europe/Berlin")
MODULUS = counter_modulus_wh(7, 1)


def arr(values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_modulus_of_seven_rollers_with_one_decimal():
    assert counter_modulus_wh(7, 1) == 1_000_000_000
    assert counter_modulus_wh(6, 0) == 1_000_000_000
    assert counter_modulus_wh(5, 2) == 1_000_000
    with pytest.raises(ValueError):
        counter_modulus_wh(0, 1)


def test_interpolation_is_exact_at_readings_and_linear_between():
    t, e = arr([0, 100, 200]), arr([1000, 1100, 1300])
    assert interpolate_energy(t, e, arr([0, 100, 200])).tolist() == [1000, 1100, 1300]
    assert interpolate_energy(t, e, arr([50, 150, 125])).tolist() == [1050, 1200, 1150]
    # rounded half up to whole Wh
    assert interpolate_energy(arr([0, 3]), arr([0, 1]), arr([1, 2])).tolist() == [0, 1]


def test_bucket_is_counter_at_end_minus_counter_at_start():
    t, e = arr([0, 600, 1200, 1800]), arr([0, 60, 120, 180])
    energy, quality = bucket_energy(t, e, arr([300, 900, 1500]), 1800)
    assert energy.tolist() == [60, 60]
    assert quality.tolist() == [MEASURED, MEASURED]


def test_a_long_gap_is_spread_linearly_and_marked_estimated():
    # readings every 10 min, then 2 hours without, 1200 Wh used in the gap
    t = arr([0, 600, 1200, 1200 + 7200, 1200 + 7800])
    e = arr([0, 100, 200, 1400, 1500])
    bounds = arr(np.arange(0, 9001, 900))
    energy, quality = bucket_energy(t, e, bounds, 1800)
    assert quality[0] == MEASURED
    assert set(quality[2:9].tolist()) == {ESTIMATED}
    assert energy[2:9].tolist() == [150, 150, 150, 150, 150, 150, 150]
    assert energy.sum() == 1500


def test_no_data_is_missing_never_zero_consumption():
    t, e = arr([1000, 2000]), arr([10, 20])
    _, quality = bucket_energy(t, e, arr([0, 900, 1800, 2700]), 1800)
    assert quality.tolist() == [MISSING, MISSING, MISSING]
    _, quality = bucket_energy(arr([]), arr([]), arr([0, 900]), 1800)
    assert quality.tolist() == [MISSING]


def test_rollover_past_all_nines_continues_the_count():
    _, e = energy_series(arr([0, 60, 120]), arr([999_999_900, 0, 200]), [], MODULUS)
    assert e.tolist() == [999_999_900, 1_000_000_000, 1_000_000_200]


def test_meter_replacement_continues_consumption_across_the_swap():
    swap = MeterReplacement(t_utc=150, old_end_wh=5_300, new_start_wh=0)
    t, e = energy_series(arr([0, 100, 200, 300]), arr([5_000, 5_200, 100, 400]), [swap], MODULUS)
    assert t.tolist() == [0, 100, 150, 200, 300]
    assert e.tolist() == [5_000, 5_200, 5_300, 5_400, 5_700]


def test_a_later_reading_at_the_same_second_wins():
    t, e = energy_series(arr([0, 60, 60, 120]), arr([100, 150, 170, 200]), [], MODULUS)
    assert t.tolist() == [0, 60, 120]
    assert e.tolist() == [100, 170, 200]


@st.composite
def readings(draw):
    count = draw(st.integers(2, 60))
    steps_s = draw(st.lists(st.integers(1, 5400), min_size=count - 1, max_size=count - 1))
    steps_wh = draw(st.lists(st.integers(0, 3000), min_size=count - 1, max_size=count - 1))
    start = draw(st.integers(1_774_000_000, 1_775_000_000))
    t = np.concatenate(([start], start + np.cumsum(steps_s))).astype(np.int64)
    e = np.concatenate(([5_000_000], 5_000_000 + np.cumsum(steps_wh))).astype(np.int64)
    return t, e


@settings(max_examples=150, deadline=None)
@given(data=readings(), cut=st.lists(st.integers(-3600, 400_000), min_size=2, max_size=30,
                                     unique=True))
def test_buckets_telescope_to_the_counter_difference(data, cut):
    t, e = data
    bounds = np.sort(t[0] + np.array(cut, dtype=np.int64))
    energy, quality = bucket_energy(t, e, bounds, 1800)
    ends = interpolate_energy(t, e, bounds[[0, -1]])
    if not (quality == MISSING).any():
        assert energy.sum() == ends[1] - ends[0]
    # Missing exactly where a bucket reaches outside the readings.
    outside = (bounds[:-1] < t[0]) | (bounds[1:] > t[-1])
    assert ((quality == MISSING) == outside).all()
    assert (energy >= 0).all()


@settings(max_examples=100, deadline=None)
@given(data=readings(), at=st.integers(0, 300_000))
def test_interpolation_lies_between_the_neighbouring_readings(data, at):
    t, e = data
    instant = t[0] + at
    value = interpolate_energy(t, e, arr([instant]))[0]
    k = min(np.searchsorted(t, instant, side="right"), t.size - 1)
    lower, upper = e[max(k - 1, 0)], e[k]
    assert lower <= value <= upper
    if instant in t:
        assert value == e[np.searchsorted(t, instant)]


@settings(max_examples=60, deadline=None)
@given(data=readings())
def test_hours_add_up_to_days_and_quarters_to_hours(data):
    t, e = data
    span = (int(t[0]) - 7200, int(t[-1]) + 7200)
    days = bucket_boundaries("day", *span, BERLIN)
    hours = bucket_boundaries("hour", int(days[0]), int(days[-1]), BERLIN)
    quarters = bucket_boundaries("15min", int(days[0]), int(days[-1]), BERLIN)
    day_wh, day_q = bucket_energy(t, e, days, 1800)
    hour_wh, hour_q = bucket_energy(t, e, hours, 1800)
    quarter_wh, _ = bucket_energy(t, e, quarters, 1800)
    hour_index = np.searchsorted(hours, days)
    quarter_index = np.searchsorted(quarters, hours)
    for k in range(len(days) - 1):
        if day_q[k] != MISSING:
            assert hour_wh[hour_index[k]:hour_index[k + 1]].sum() == day_wh[k]
            assert hour_q[hour_index[k]:hour_index[k + 1]].max() == day_q[k]
    for k in range(len(hours) - 1):
        if hour_q[k] != MISSING:
            assert quarter_wh[quarter_index[k]:quarter_index[k + 1]].sum() == hour_wh[k]


@settings(max_examples=80, deadline=None)
@given(data=readings(), resolution=st.sampled_from(["15min", "hour", "day"]))
def test_quarter_pre_aggregate_gives_the_same_buckets(data, resolution):
    t, e = data
    quarters = np.arange(t[0] // 900 * 900 - 1800, t[-1] + 2700, 900, dtype=np.int64)
    q_wh, q_quality = bucket_energy(t, e, quarters, 1800)
    stored = q_quality != MISSING
    bounds = bucket_boundaries(resolution, int(t[0]) - 3600, int(t[-1]) + 3600, BERLIN)
    direct = bucket_energy(t, e, bounds, 1800)
    via_quarters = buckets_from_quarters(
        quarters[:-1][stored], q_wh[stored], q_quality[stored], bounds
    )
    assert via_quarters[0].tolist() == direct[0].tolist()
    assert via_quarters[1].tolist() == direct[1].tolist()


def test_dst_days_in_consumption_have_23_and_25_hourly_buckets():
    for day_start, day_end, hours in [
        ("2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00", 23),
        ("2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00", 25),
    ]:
        start, end = utc(day_start), utc(day_end)
        t = np.arange(start - 600, end + 600, 60, dtype=np.int64)
        e = 1_000_000 + (t - t[0]) // 6  # 600 W
        bounds = bucket_boundaries("hour", start, end, BERLIN)
        energy, quality = bucket_energy(t, e, bounds, 1800)
        assert len(energy) == hours
        assert set(energy.tolist()) == {600}
        assert set(quality.tolist()) == {MEASURED}


def staircase(power_w: float, days: float, start: int = 1_774_000_000):
    t = np.arange(start, start + int(days * 86400) + 1, 60, dtype=np.int64)
    true_wh = 5_000_000 + (t - start) * power_w / 3600
    return t, (true_wh // 100 * 100).astype(np.int64), true_wh


def test_refined_steps_recover_quarter_hours_below_one_roller_step():
    t, shown, _ = staircase(300, 2)
    bounds = np.arange(t[0] + 3600, t[-1] - 3600, 900, dtype=np.int64)
    plain, _ = bucket_energy(t, shown, bounds, 1800)
    assert set(plain.tolist()) <= {0, 100}  # the staircase: all or nothing per quarter hour
    points_t, points_e = refine_steps(t, shown, 100, 1800)
    refined, quality = bucket_energy(points_t, points_e, bounds, 1800, t)
    assert set(quality.tolist()) == {MEASURED}
    assert np.abs(refined - 75).max() <= 5
    assert abs(int(refined.sum()) - 75 * len(refined)) <= 10


def test_refined_points_are_the_same_from_any_window():
    t, shown, _ = staircase(170, 1)
    points_t, points_e = refine_steps(t, shown, 100, 1800)
    window = slice(200, 900)
    part_t, part_e = refine_steps(t[window], shown[window], 100, 1800)
    inner = (part_t > t[window][0]) & (part_t < t[window][-1])
    full = dict(zip(points_t.tolist(), points_e.tolist(), strict=True))
    assert inner.sum() > 5
    assert all(full[a] == b for a, b in zip(part_t[inner].tolist(), part_e[inner].tolist(),
                                            strict=True))


def test_readings_finer_than_a_step_are_used_as_they_are():
    t = arr([0, 60, 120, 180])
    e = arr([1003, 1011, 1019, 1027])
    assert refine_steps(t, e, 100, 1800)[1].tolist() == e.tolist()


def test_a_gap_is_anchored_half_a_step_above_the_shown_values():
    t = arr([0, 60, 120, 7320, 7380])
    e = arr([1000, 1000, 1100, 1300, 1300])
    points_t, points_e = refine_steps(t, e, 100, 1800)
    assert points_t.tolist() == [0, 90, 120, 7320, 7380]
    assert points_e.tolist() == [1050, 1100, 1150, 1350, 1350]


def test_json_text_and_dict_agree_including_null_for_missing():
    import json

    from stromzaehler.analytics.consumption import Consumption
    from stromzaehler.analytics.export import consumption_dict, consumption_json

    bounds = bucket_boundaries("hour", utc("2026-10-25T00:00+02:00"),
                               utc("2026-10-25T05:00+01:00"), BERLIN)
    quality = np.array([MEASURED, ESTIMATED, MISSING, MEASURED, MEASURED, MEASURED], np.int8)
    energy = np.array([1234, 5, 0, 1000, 999, 1], np.int64)
    result = Consumption("hour", "Europe/Berlin", bounds, energy, quality, 2, int(bounds[2]) + 600,
                         12)
    as_dict = consumption_dict(result)
    assert json.loads(consumption_json(result)) == as_dict
    assert as_dict["buckets"][2]["kwh"] is None
    assert as_dict["buckets"][2]["partial_kwh"] == 0.012
    assert as_dict["buckets"][2]["partial_until"] == "2026-10-25T02:10:00+02:00"
    assert as_dict["total_kwh"] == 3.239
