"""Consumption with the disc: minute shape from revolutions, totals from the counter, a source
per bucket, the counter alone where the disc was not tracked, and the pre-aggregate kept up."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.consumption import MISSING
from stromzaehler.analytics.disc_power import SOURCE_COUNTER, SOURCE_DISC, fused_by_day
from stromzaehler.analytics.export import consumption_csv, consumption_dict, consumption_json
from stromzaehler.analytics.series import CounterModel
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore
from stromzaehler.store.db import DATABASE_NAME, connect, migrate
from stromzaehler.store.revolutions import RevolutionStore

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
MODEL = CounterModel.for_meter(7, 1)  # 100 Wh roller steps
REV_PER_KWH = 75.0
WH_PER_REV = 1000.0 / REV_PER_KWH
T0 = 1_785_456_000  # 2026-07-31 00:00 UTC
DAYS = 2
START_WH = 99_516_000 + 37


def stepped_power() -> np.ndarray:
    """Watts for every second of two days: standby, ordinary loads and sudden high ones."""
    rng = np.random.default_rng(7)
    seconds = DAYS * 86400
    power = np.empty(seconds)
    t = 0
    while t < seconds:
        length = int(rng.integers(120, 3600))
        power[t : t + length] = rng.choice([90.0, 250.0, 400.0, 1200.0, 2500.0, 6000.0])
        t += length
    return power


def simulate(power: np.ndarray):
    """Truth energy per second (Wh above START_WH), revolution times, minute readings."""
    energy = np.concatenate(([0.0], np.cumsum(power) / 3600.0))
    seconds = np.arange(energy.size, dtype=np.float64)
    counts = 0.5 + energy * REV_PER_KWH / 1000.0
    revolutions = T0 + np.interp(np.arange(1, np.floor(counts[-1]) + 1), counts, seconds)
    reading_t = np.arange(T0, T0 + energy.size, 60, dtype=np.int64)
    counter = (np.floor((START_WH + energy[reading_t - T0]) / 100.0) * 100).astype(np.int64)
    return energy, revolutions, reading_t, counter


@pytest.fixture(scope="module")
def meter():
    return simulate(stepped_power())


def open_store(directory: str, reading_t, counter) -> tuple[Store, CounterStore]:
    store = Store.open(Path(directory))
    store.add_readings_bulk(
        (int(t), int(c), 0.99, "camera") for t, c in zip(reading_t, counter, strict=True)
    )
    return store, CounterStore(store)


def add_revolutions(store: Store, revolutions: np.ndarray, gap: tuple[float, float] | None):
    """Store revolutions; none inside gap, and the first after it is not continuous."""
    rows = []
    after_gap = False
    for i, t in enumerate(revolutions.tolist()):
        if gap is not None and gap[0] <= t < gap[1]:
            after_gap = True
            continue
        rows.append((t, i > 0 and not after_gap, "crossing"))
        after_gap = False
    RevolutionStore(store).add(rows)


def query(counters, resolution, zone=UTC, use_quarters=True, start=T0, end=T0 + DAYS * 86400):
    if use_quarters:  # what the service's upkeep thread does between queries
        upkeep.refresh(counters, MODEL)
    return aggregate.consumption(counters, resolution, start, end, zone, MODEL,
                                 use_quarters=use_quarters)


GAP = (T0 + 30 * 3600.0, T0 + 33 * 3600.0)  # three hours without tracking on the second day


@pytest.fixture(scope="module")
def stores(meter):
    """(disc store, counter-only store) with the same readings."""
    _, revolutions, reading_t, counter = meter
    with tempfile.TemporaryDirectory() as disc_dir, tempfile.TemporaryDirectory() as plain_dir:
        disc_store, disc = open_store(disc_dir, reading_t, counter)
        add_revolutions(disc_store, revolutions, GAP)
        plain_store, plain = open_store(plain_dir, reading_t, counter)
        yield disc, plain
        disc_store.close()
        plain_store.close()


def test_minutes_follow_the_disc_within_one_revolution(meter, stores):
    energy, _, _, _ = meter
    disc, plain = stores
    result = query(disc, "minute")
    assert result.source is not None
    tracked = (result.source == SOURCE_DISC) & (result.quality != MISSING)
    truth = np.diff(energy[result.bounds_utc - T0])
    error = np.abs(result.energy_wh - truth)[tracked]
    assert tracked.sum() > 0.8 * result.source.size
    assert np.mean(error <= WH_PER_REV) >= 0.99, np.sort(error)[-10:]
    assert error.max() < 2 * WH_PER_REV
    # The counter alone (a step every 100 Wh) misses the load changes by more.
    counter_only = query(plain, "minute")
    plain_error = np.abs(counter_only.energy_wh - truth)[tracked]
    print(f"mean abs error per minute: disc {error.mean():.2f} Wh, counter {plain_error.mean():.2f}"
          f" Wh; worst: disc {error.max():.1f} Wh, counter {plain_error.max():.1f} Wh")
    assert plain_error.max() > 2 * WH_PER_REV
    assert error.mean() < plain_error.mean() / 2


def test_totals_stay_the_counter_difference(meter, stores):
    energy = meter[0]
    disc, plain = stores
    for resolution in ("day", "hour", "minute"):
        with_disc = query(disc, resolution)
        counter_only = query(plain, resolution)
        assert with_disc.total_wh == counter_only.total_wh, resolution
    # Hours the disc shaped (midnight included: a piece runs from one day's first counter
    # change to the next day's) are split where the disc says.
    hours = query(disc, "hour")
    truth = np.diff(energy[hours.bounds_utc - T0])
    shaped = hours.source == SOURCE_DISC
    assert shaped.sum() >= 40
    assert shaped[23] and shaped[24]
    assert np.abs(hours.energy_wh - truth)[shaped].max() <= WH_PER_REV
    # Minutes and the hours of the pre-aggregate tell the same story.
    minutes = query(disc, "minute")
    hours = query(disc, "hour")
    per_hour = minutes.energy_wh.reshape(-1, 60).sum(axis=1)
    assert per_hour.tolist() == hours.energy_wh.tolist()


def test_source_per_bucket_and_counter_fallback_in_the_gap(stores):
    disc, plain = stores
    minutes = query(disc, "minute")
    counter_only = query(plain, "minute")
    starts = minutes.bounds_utc[:-1]
    in_gap = (starts >= GAP[0]) & (starts + 60 <= GAP[1])
    assert (minutes.source[in_gap] == SOURCE_COUNTER).all()
    counter_buckets = minutes.source == SOURCE_COUNTER
    assert counter_buckets.sum() >= in_gap.sum()
    # Where the disc did not shape a bucket, it is exactly the counter's.
    assert (minutes.energy_wh[counter_buckets]
            == counter_only.energy_wh[counter_buckets]).all()
    hours = query(disc, "hour")
    names = [b["source"] for b in consumption_dict(hours)["buckets"]]
    assert set(names) == {"disc", "mixed", "counter"}
    hour_starts = hours.bounds_utc[:-1]
    assert all(names[i] == "counter" for i in np.flatnonzero(
        (hour_starts >= GAP[0]) & (hour_starts + 3600 <= GAP[1])))


def test_without_revolutions_nothing_changes_in_the_output(stores):
    _, plain = stores
    for resolution in ("minute", "15min", "day"):
        result = query(plain, resolution, zone=BERLIN, end=T0 + 86400)
        assert result.source is None
        assert "source" not in consumption_json(result)
        assert all("source" not in b for b in consumption_dict(result)["buckets"])
        assert consumption_csv(result).splitlines()[0] == "start,end,kwh,quality"


def test_json_and_csv_say_the_source(stores):
    disc, _ = stores
    result = query(disc, "15min", zone=BERLIN)
    buckets = json.loads(consumption_json(result))["buckets"]
    assert buckets == consumption_dict(result)["buckets"]
    assert {b["source"] for b in buckets} <= {"disc", "mixed", "counter"}
    assert consumption_csv(result, ";", ",").splitlines()[0] == "start;end;kwh;quality;source"


def test_pre_aggregate_follows_revolutions_added_later(meter):
    _, revolutions, reading_t, counter = meter
    with tempfile.TemporaryDirectory() as directory:
        store, counters = open_store(directory, reading_t, counter)
        before = query(counters, "15min")
        assert before.source is None
        # Revolutions of the first day arrive later (e.g. from a tracker's buffer).
        add_revolutions(store, revolutions[revolutions < T0 + 86400], None)
        for zone, resolution in ((UTC, "15min"), (BERLIN, "15min"), (BERLIN, "hour"),
                                 (BERLIN, "day")):
            fast = query(counters, resolution, zone=zone)
            direct = query(counters, resolution, zone=zone, use_quarters=False)
            assert fast.energy_wh.tolist() == direct.energy_wh.tolist()
            assert fast.quality.tolist() == direct.quality.tolist()
            assert fast.source.tolist() == direct.source.tolist()
        after = query(counters, "15min")
        first_day = after.bounds_utc[:-1] < T0 + 86400
        assert (after.source[first_day] == SOURCE_DISC).mean() > 0.9
        assert (after.source[~first_day] == SOURCE_COUNTER).all()
        assert after.energy_wh[first_day].tolist() != before.energy_wh[first_day].tolist()
        assert after.energy_wh[~first_day].tolist() == before.energy_wh[~first_day].tolist()
        assert after.total_wh == before.total_wh


def test_any_window_gives_the_same_buckets(stores):
    disc, _ = stores
    whole = query(disc, "minute")
    for start, end in ((T0 + 86400 - 7200, T0 + 2 * 86400), (T0 + 3600, T0 + 4 * 3600),
                       (T0 + 80000, T0 + 90000)):
        part = query(disc, "minute", start=start, end=end)
        first = (start - T0) // 60
        count = part.energy_wh.size
        assert part.energy_wh.tolist() == whole.energy_wh[first : first + count].tolist()
        assert part.source.tolist() == whole.source[first : first + count].tolist()


def test_day_pieces_are_the_same_in_any_window_of_whole_days(meter):
    _, revolutions, reading_t, counter = meter
    continuous = np.ones(revolutions.size, dtype=bool)
    wh = counter.astype(np.int64)
    both = fused_by_day(reading_t, wh, revolutions, continuous, T0, T0 + 2 * 86400, 300)
    second = fused_by_day(reading_t, wh, revolutions, continuous, T0 + 86400, T0 + 2 * 86400,
                          300)
    assert len(both.disc_spans) == 2 and second.disc_spans == both.disc_spans[1:]
    # The first day's piece runs to the second day's first counter change; from there on,
    # both windows hold the same points.
    piece_two = both.disc_spans[1][0]
    assert piece_two >= T0 + 86400
    assert both.t_utc[both.t_utc >= piece_two].tolist() == second.t_utc[
        second.t_utc >= piece_two].tolist()
    assert both.energy_wh[both.t_utc >= piece_two].tolist() == second.energy_wh[
        second.t_utc >= piece_two].tolist()
    # Before it, the second window leaves the readings as they are.
    assert second.t_utc[second.t_utc < piece_two].tolist() == reading_t[
        reading_t < piece_two].tolist()


def test_pre_aggregate_stays_right_while_readings_and_revolutions_arrive(meter):
    _, revolutions, reading_t, counter = meter
    split = T0 + 86400 + 3 * 3600
    with tempfile.TemporaryDirectory() as directory:
        store, counters = open_store(directory, reading_t[reading_t < split],
                                     counter[reading_t < split])
        add_revolutions(store, revolutions[revolutions < split], None)
        query(counters, "15min")
        # Live: an hour of readings and revolutions at a time, a query after each.
        for hour_start in range(split, T0 + DAYS * 86400, 3600):
            new = (reading_t >= hour_start) & (reading_t < hour_start + 3600)
            store.add_readings_bulk(
                (int(t), int(c), 0.99, "camera")
                for t, c in zip(reading_t[new], counter[new], strict=True))
            RevolutionStore(store).add(
                (float(t), True, "crossing") for t in
                revolutions[(revolutions >= hour_start) & (revolutions < hour_start + 3600)])
            fast = query(counters, "15min", zone=BERLIN)
            direct = query(counters, "15min", zone=BERLIN, use_quarters=False)
            assert fast.energy_wh.tolist() == direct.energy_wh.tolist(), hour_start
            assert fast.source.tolist() == direct.source.tolist(), hour_start
        # Corrected readings reshape the pieces around them, the day before included: the
        # second day's first counter change ends the first day's piece.
        changes = reading_t[1:][np.diff(counter) != 0]
        first_change_day_two = int(changes[changes >= T0 + 86400][0])
        for wrong_t, reshapes in ((int(reading_t[600]), False), (first_change_day_two, True)):
            before = query(counters, "15min", zone=BERLIN)
            counters.set_correction(wrong_t, None, wrong_t + 10, "blurred")
            fast = query(counters, "15min", zone=BERLIN)
            direct = query(counters, "15min", zone=BERLIN, use_quarters=False)
            assert fast.energy_wh.tolist() == direct.energy_wh.tolist()
            assert fast.source.tolist() == direct.source.tolist()
            # Inside a piece only its end readings count (the disc shapes the rest).
            assert (fast.energy_wh.tolist() != before.energy_wh.tolist()) == reshapes
        store.close()


def test_revolutions_stored_before_the_upgrade_reshape_the_pre_aggregate(meter):
    _, revolutions, reading_t, counter = meter
    with tempfile.TemporaryDirectory() as directory:
        store, counters = open_store(directory, reading_t, counter)
        before = query(counters, "15min", zone=BERLIN)  # pre-aggregate from the counter alone
        store.close()
        # Back to schema 5 (revolutions stored, nothing marked dirty), as before the upgrade.
        old = connect(Path(directory) / DATABASE_NAME)
        old.executescript(
            "BEGIN; DROP TRIGGER revolutions_insert_dirty; DROP TRIGGER revolutions_delete_dirty;"
            " PRAGMA user_version = 5; COMMIT;")
        old.execute("BEGIN")
        old.executemany(
            "INSERT INTO disc_revolutions (t_ms, continuous, method) VALUES (?, 1, 'crossing')",
            [(round(t * 1000),) for t in revolutions.tolist()])
        old.execute("COMMIT")
        assert old.execute("SELECT count(*) FROM consumption_dirty").fetchone()[0] == 0
        migrate(old)
        old.close()
        store = Store.open(Path(directory))
        counters = CounterStore(store)
        fast = query(counters, "15min", zone=BERLIN)
        direct = query(counters, "15min", zone=BERLIN, use_quarters=False)
        assert fast.energy_wh.tolist() == direct.energy_wh.tolist()
        assert fast.source.tolist() == direct.source.tolist()
        assert fast.energy_wh.tolist() != before.energy_wh.tolist()
        assert (fast.source == SOURCE_DISC).mean() > 0.9
        store.close()


def test_household_day_from_the_simulators_truth():
    from stromzaehler.simulator.disc_sequence import DiscSequence, household_power

    sequence = DiscSequence(household_power(seed=3), T0, DAYS * 86400)
    revolutions = sequence.revolution_times_utc()
    reading_t = np.arange(T0, T0 + DAYS * 86400 + 1, 60, dtype=np.int64)
    truth_wh = START_WH + sequence.energy_at_wh(reading_t)
    counter = (np.floor(truth_wh / 100.0) * 100).astype(np.int64)
    with tempfile.TemporaryDirectory() as directory:
        store, counters = open_store(directory, reading_t, counter)
        add_revolutions(store, revolutions, None)
        minutes = query(counters, "minute")
        truth = np.diff(sequence.energy_at_wh(minutes.bounds_utc.astype(np.float64)))
        shaped = minutes.source == SOURCE_DISC
        assert shaped.mean() > 0.9
        error = np.abs(minutes.energy_wh - truth)[shaped]
        assert np.mean(error <= WH_PER_REV) >= 0.99
        store.close()
