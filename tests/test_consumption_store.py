"""Consumption over the SQLite store: pre-aggregate equals the direct computation, and stays
right after corrections, manual readings, meter replacements and new readings."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.consumption import ESTIMATED, MEASURED, MISSING, PARTIAL
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore
from stromzaehler.typed_reading import CounterLimits

BERLIN = ZoneInfo("Europe/Berlin")
MODULUS = counter_modulus_wh(7, 1)
EXACT = CounterModel(MODULUS, 1, 1800)  # readings with 1 Wh resolution
DAY0 = int(datetime.fromisoformat("2026-10-24T00:00+02:00").timestamp())


def query(counters, resolution, start, end, use_quarters=True):
    return aggregate.consumption(counters, resolution, start, end, BERLIN, EXACT,
                                 use_quarters=use_quarters)


def both_ways(counters, resolution, start, end):
    fast = query(counters, resolution, start, end)
    direct = query(counters, resolution, start, end, use_quarters=False)
    assert fast.bounds_utc.tolist() == direct.bounds_utc.tolist()
    assert fast.energy_wh.tolist() == direct.energy_wh.tolist()
    assert fast.quality.tolist() == direct.quality.tolist()
    return fast


@pytest.fixture
def counters(tmp_path):
    store = Store.open(tmp_path)
    rng = np.random.default_rng(3)
    t = np.arange(DAY0, DAY0 + 3 * 86400, 60, dtype=np.int64)
    energy = 999_990_000 + np.cumsum(rng.integers(0, 30, t.size))  # rolls over on day 1
    keep = ~((t >= DAY0 + 30 * 3600) & (t < DAY0 + 33 * 3600))  # a 3-hour gap
    rows = [(int(a), int(b) % MODULUS, 1.0, "simulated") for a, b in zip(t[keep], energy[keep],
                                                                         strict=True)]
    store.add_readings_bulk(rows)
    yield CounterStore(store)
    store.close()


def test_pre_aggregate_matches_direct_computation_at_every_resolution(counters):
    for resolution in ("15min", "hour", "day", "month", "year"):
        both_ways(counters, resolution, DAY0, DAY0 + 3 * 86400)


def test_year_total_is_the_counter_difference_across_rollover_and_dst(counters):
    days = both_ways(counters, "day", DAY0, DAY0 + 3 * 86400 - 3600)
    assert days.quality.tolist() == [MEASURED, ESTIMATED, PARTIAL]
    hours = both_ways(counters, "hour", DAY0 + 86400, DAY0 + 2 * 86400 + 3600)
    assert len(hours.energy_wh) == 25
    first = counters.readings_with_neighbours(DAY0, DAY0, 0)[1][0]
    _, c = counters.readings_with_neighbours(DAY0 + 49 * 3600, DAY0 + 49 * 3600, 0)
    assert c[0] < first  # the counter rolled over once
    last = int(c[0]) + MODULUS
    assert days.energy_wh[:2].sum() == last - int(first)
    # the gap (30 h - 1 min, 33 h) after DAY0 is 04:59..08:00+01:00 on the 25-hour day
    assert np.flatnonzero(hours.quality == ESTIMATED).tolist() == [5, 6, 7, 8]


def test_minute_buckets_sum_to_the_hour(counters):
    start = DAY0 + 86400 + 5 * 3600
    minutes = query(counters, "minute", start, start + 3600)
    hour = query(counters, "hour", start, start + 3600)
    assert len(minutes.energy_wh) == 60
    assert minutes.energy_wh.sum() == hour.energy_wh[0]


def test_a_correction_recomputes_the_stored_quarters(counters):
    hour_start = DAY0 + 10 * 3600
    before = both_ways(counters, "15min", DAY0, DAY0 + 86400)
    target = hour_start + 15 * 60  # a reading on a quarter-hour boundary
    stored, _ = counters.reading_at(target)
    counters.set_correction(target, stored + 5_000, created_utc=0, note="test")
    after = both_ways(counters, "15min", DAY0, DAY0 + 86400)
    changed = np.flatnonzero(after.energy_wh != before.energy_wh)
    assert changed.tolist() == [40, 41]
    assert (after.energy_wh - before.energy_wh)[[40, 41]].tolist() == [5_000, -5_000]
    counters.set_correction(target, None, created_utc=0, note="void")
    voided = both_ways(counters, "15min", DAY0, DAY0 + 86400)
    assert voided.energy_wh[40:42].sum() == before.energy_wh[40:42].sum()
    assert abs(voided.energy_wh[40] - before.energy_wh[40]) < 30  # interpolated instead


def test_a_manual_reading_in_a_gap_turns_estimated_into_measured_parts(counters):
    gap_mid = DAY0 + 31 * 3600 + 1800
    before = both_ways(counters, "hour", DAY0 + 30 * 3600, DAY0 + 33 * 3600)
    assert set(before.quality.tolist()) == {ESTIMATED}
    _, c = counters.readings_with_neighbours(gap_mid, gap_mid, 1)
    middle = int(c[0] + (c[1] - c[0]) // 2)
    counters.store.add_reading(gap_mid, middle, 1.0, "manual")
    after = both_ways(counters, "hour", DAY0 + 30 * 3600, DAY0 + 33 * 3600)
    assert after.energy_wh.sum() == before.energy_wh.sum()
    assert set(after.quality.tolist()) == {ESTIMATED}  # still 90-minute gaps either side


def test_meter_replacement_keeps_consumption_continuous(tmp_path):
    store = Store.open(tmp_path)
    t = np.arange(DAY0, DAY0 + 86400, 60, dtype=np.int64)
    counter = 5_000_000 + (t - DAY0) // 6  # 600 W
    swap_t = DAY0 + 12 * 3600 + 30
    old = t < swap_t
    counter[~old] = counter[~old] - counter[~old][0] + 100  # new meter starts near 0
    store.add_readings_bulk([(int(a), int(b), 1.0, "x") for a, b in zip(t, counter, strict=True)])
    counters = CounterStore(store)
    broken = query(counters, "hour", DAY0, DAY0 + 86400)
    assert broken.energy_wh.min() < 0  # without the event the swap looks like a huge drop
    old_end = 5_000_000 + (swap_t - DAY0) // 6
    counters.add_replacement(swap_t, old_end, 100 - 5, created_utc=0, note=None)
    fixed = both_ways(counters, "hour", DAY0, DAY0 + 86400)
    assert fixed.quality[:-1].tolist() == [MEASURED] * 23
    assert set(fixed.energy_wh[:-1].tolist()) == {600}


def test_new_readings_extend_the_pre_aggregate(tmp_path):
    store = Store.open(tmp_path)
    counters = CounterStore(store)
    for minute in range(30):
        store.add_reading(DAY0 + 60 * minute, 1000 + 10 * minute, 1.0, "x")
    first = query(counters, "15min", DAY0, DAY0 + 3600)
    assert first.quality.tolist() == [MEASURED, PARTIAL, MISSING, MISSING]
    for minute in range(30, 61):
        store.add_reading(DAY0 + 60 * minute, 1000 + 10 * minute, 1.0, "x")
    second = both_ways(counters, "15min", DAY0, DAY0 + 3600)
    assert second.quality.tolist() == [MEASURED] * 4
    assert second.energy_wh.tolist() == [150] * 4
    # Queries never write: the upkeep, not the query, brings the pre-aggregate up to date.
    assert counters.dirty_range() is not None
    upkeep.refresh(counters, EXACT)
    assert counters.dirty_range() is None
    assert both_ways(counters, "15min", DAY0, DAY0 + 3600).energy_wh.tolist() == [150] * 4


def test_refresh_works_in_steps_without_losing_anything(tmp_path, monkeypatch):
    monkeypatch.setattr(upkeep, "REFRESH_CHUNK_S", 3600)
    store = Store.open(tmp_path)
    t = np.arange(DAY0, DAY0 + 86400 + 1, 60, dtype=np.int64)
    store.add_readings_bulk([(int(a), int(a - DAY0) // 6, 1.0, "x") for a in t])
    counters = CounterStore(store)
    assert upkeep.refresh(counters, EXACT) >= 24
    day = both_ways(counters, "15min", DAY0, DAY0 + 86400)
    assert set(day.energy_wh.tolist()) == {150}


STEPPED = CounterModel(MODULUS, 100, 1800)  # rollers with one decimal: 100 Wh steps


def stepped_query(counters, resolution, start, end, use_quarters=True):
    return aggregate.consumption(counters, resolution, start, end, BERLIN, STEPPED,
                                 use_quarters=use_quarters)


def stepped_readings(days: int, seed: int):
    rng = np.random.default_rng(seed)
    t = np.arange(DAY0, DAY0 + days * 86400, 60, dtype=np.int64)
    power_w = np.repeat(rng.choice([60, 150, 400, 2500], size=t.size // 30 + 1), 30)[: t.size]
    true_wh = 999_900_000 + np.cumsum(power_w / 60)
    keep = rng.random(t.size) > 0.02  # a few lost frames
    keep[600:700] = False  # and one gap of 100 minutes
    shown = (true_wh // 100 * 100).astype(np.int64) % MODULUS
    return t[keep], shown[keep]


def test_stepped_counter_pre_aggregate_equals_direct_and_incremental_equals_rebuild(tmp_path):
    t, shown = stepped_readings(2, seed=5)
    bulk = CounterStore(Store.open(tmp_path / "bulk"))
    bulk.store.add_readings_bulk([(int(a), int(b), 1.0, "x") for a, b in zip(t, shown,
                                                                             strict=True)])
    live = CounterStore(Store.open(tmp_path / "live"))
    rows = [(a, b, 1.0, "x") for a, b in zip(t.tolist(), shown.tolist(), strict=True)]
    for index in range(0, len(rows), 7):
        live.store.add_readings_bulk(rows[index:index + 7])
        if index % 91 == 0:  # the upkeep refreshes the pre-aggregate piece by piece
            upkeep.refresh(live, STEPPED)
    for resolution in ("15min", "hour", "day"):
        fast = stepped_query(live, resolution, DAY0, DAY0 + 2 * 86400)
        rebuilt = stepped_query(bulk, resolution, DAY0, DAY0 + 2 * 86400)
        direct = stepped_query(bulk, resolution, DAY0, DAY0 + 2 * 86400, use_quarters=False)
        assert fast.energy_wh.tolist() == rebuilt.energy_wh.tolist() == direct.energy_wh.tolist()
        assert fast.quality.tolist() == rebuilt.quality.tolist() == direct.quality.tolist()
    minutes = stepped_query(bulk, "minute", DAY0 + 3600, DAY0 + 7200)
    hour = stepped_query(bulk, "hour", DAY0 + 3600, DAY0 + 7200)
    assert minutes.energy_wh.sum() == hour.energy_wh.sum()


def test_changing_the_counter_model_rebuilds_the_pre_aggregate(tmp_path):
    t, shown = stepped_readings(1, seed=2)
    counters = CounterStore(Store.open(tmp_path))
    counters.store.add_readings_bulk([(int(a), int(b), 1.0, "x") for a, b in zip(t, shown,
                                                                                 strict=True)])
    staircase = query(counters, "15min", DAY0, DAY0 + 86400)
    stepped = stepped_query(counters, "15min", DAY0, DAY0 + 86400)
    direct = stepped_query(counters, "15min", DAY0, DAY0 + 86400, use_quarters=False)
    assert stepped.energy_wh.tolist() == direct.energy_wh.tolist()
    assert stepped.energy_wh.tolist() != staircase.energy_wh.tolist()


@st.composite
def event_scripts(draw):
    """Stepped readings of one day delivered in batches, with corrections, voids and a meter
    replacement in between."""
    count = draw(st.integers(20, 240))
    step_s = draw(st.lists(st.sampled_from([60, 60, 60, 120, 600, 2400]), min_size=count,
                           max_size=count))
    step_wh = draw(st.lists(st.sampled_from([0, 0, 0, 100, 100, 200, 1500]), min_size=count,
                            max_size=count))
    t = DAY0 + np.cumsum(step_s)
    shown = 999_990_000 + np.cumsum(step_wh)
    actions = draw(st.lists(
        st.tuples(st.sampled_from(["batch", "correct", "void", "replace"]),
                  st.integers(0, count - 1), st.integers(0, 3000)),
        min_size=1, max_size=8))
    return t.tolist(), (shown % MODULUS).tolist(), actions


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=event_scripts())
def test_pre_aggregate_stays_equal_to_direct_computation_under_any_events(script):
    times, shown, actions = script
    with tempfile.TemporaryDirectory() as folder:
        counters = CounterStore(Store.open(Path(folder)))
        delivered = 0
        span = (DAY0, times[-1] + 3600)
        for action, index, amount in actions:
            if action == "batch" or delivered == 0:
                upto = max(index + 1, delivered + 1)
                counters.store.add_readings_bulk(
                    [(a, b, 1.0, "x") for a, b in zip(times[delivered:upto], shown[delivered:upto],
                                                      strict=True)])
                delivered = upto
            elif action in ("correct", "void"):
                target = times[min(index, delivered - 1)]
                value = None if action == "void" else (shown[min(index, delivered - 1)] + amount)
                counters.set_correction(target, value, 0, None)
            elif not counters.replacements(times[index] + 1, times[index] + 1):
                counters.add_replacement(times[index] + 1, shown[index] + 100, amount * 10, 0,
                                         None)
            for resolution in ("15min", "hour"):
                fast = stepped_query(counters, resolution, *span)
                direct = stepped_query(counters, resolution, *span, use_quarters=False)
                assert fast.energy_wh.tolist() == direct.energy_wh.tolist()
                assert fast.quality.tolist() == direct.quality.tolist()
        counters.store.close()


@pytest.mark.parametrize("roller_step_wh", [1, 100])
def test_simulated_weeks_match_the_simulator_truth_within_0_1_kwh(tmp_path, roller_step_wh):
    from stromzaehler.simulator.run import build_meter, reading_rows

    start = int(datetime.fromisoformat("2026-03-20T00:00+01:00").timestamp())
    meter = build_meter(4, start, 3500.0, 99_516_000)
    store = Store.open(tmp_path)
    for rows in reading_rows(meter, 21, 60):
        store.add_readings_bulk([(t, c // roller_step_wh * roller_step_wh, q, s)
                                 for t, c, q, s in rows])
    counters = CounterStore(store)
    days = stepped_query(counters, "day", start, start + 21 * 86400)
    truth = np.diff(meter.consumed_wh_array(days.bounds_utc.astype(np.float64)))
    measured = days.quality == MEASURED
    # 21 x 24 h from 20 March 00:00 +01:00 end at 10 April 01:00 +02:00 (one 23-hour day):
    # 21 whole local days measured, 10 April partly covered (its first hour)
    assert measured.tolist() == [True] * 21 + [False]
    assert days.quality[-1] == PARTIAL and 0 < days.energy_wh[-1] <= truth[-1] + 100
    assert np.abs(days.energy_wh - truth)[measured].max() < 100
    assert abs(days.energy_wh[measured].sum() - truth[measured].sum()) < 100
    spring_day = (start + 9 * 86400, int(datetime.fromisoformat("2026-03-30T00:00+02:00")
                                         .timestamp()))
    hours = stepped_query(counters, "hour", *spring_day)
    assert len(hours.energy_wh) == 23
    assert hours.energy_wh.sum() == days.energy_wh[9]


def test_counter_events_refuse_values_that_run_backwards_unless_forced(tmp_path):
    from stromzaehler.analytics import events

    store = Store.open(tmp_path)
    store.add_readings_bulk([(DAY0 + 60 * k, v, 1.0, "x") for k, v in
                             enumerate([999_999_800, 999_999_900, 5_000, 100, 200])])
    counters = CounterStore(store)
    now = DAY0 + 86400
    limits = CounterLimits(MODULUS, 100, 15_000)
    # the reading at +180 s (100 Wh after the rollover) is fine; +120 s is a misread
    with pytest.raises(events.EventError, match=r"corrected value: 0.3 kWh is more than"):
        events.correct_reading(counters, DAY0 + 120, 300, now, limits)
    events.correct_reading(counters, DAY0 + 120, 0, now, limits)  # across the rollover
    with pytest.raises(events.EventError, match=r"corrected value: .* less than the reading bef"):
        events.correct_reading(counters, DAY0 + 240, 50, now, limits)
    events.correct_reading(counters, DAY0 + 240, 50, now, limits, force=True)
    old_below = r"old meter's last value: .* less than the reading before it"
    with pytest.raises(events.EventError, match=old_below):
        events.replace_meter(counters, DAY0 + 300, 40, 0, now, limits)
    with pytest.raises(events.EventError, match="future"):
        events.replace_meter(counters, now + 3600, 300, 0, now, limits)
    with pytest.raises(events.EventError, match=r"old meter's last value: .* plus what 15000 W"):
        events.replace_meter(counters, DAY0 + 300, 90_000, 0, now, limits)
    events.replace_meter(counters, DAY0 + 300, 300, 0, now, limits)
    assert [c.counter_wh for c in counters.corrections()] == [0, 50]


def test_a_replacement_checks_the_new_value_only_against_the_new_meter(tmp_path):
    from stromzaehler.analytics import events

    store = Store.open(tmp_path)
    # the old meter stands at 5,000 kWh; 10 minutes later the new one shows 1 kWh
    store.add_readings_bulk([(DAY0, 5_000_000, 1.0, "x"), (DAY0 + 600, 1_000, 1.0, "x")])
    counters = CounterStore(store)
    limits = CounterLimits(MODULUS, 100, 15_000)
    now = DAY0 + 86400
    with pytest.raises(events.EventError, match=r"new meter's first value: .* more than the "
                                                r"reading after it"):
        events.replace_meter(counters, DAY0 + 300, 5_000_100, 2_000, now, limits)
    with pytest.raises(events.EventError, match=r"old meter's last value: .* plus what"):
        events.replace_meter(counters, DAY0 + 300, 5_900_000, 900, now, limits)
    # the new meter's 0.9 kWh lies far below the old meter's 5,000 kWh: no "backwards"
    events.replace_meter(counters, DAY0 + 300, 5_000_100, 900, now, limits)
    assert [(r.old_end_wh, r.new_start_wh) for r in counters.replacements()] == [
        (5_000_100, 900)]
