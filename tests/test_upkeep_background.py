"""Analytics never block capture and reads never write: the pre-aggregate is kept current in
the background in short steps, and queries compute what is not current yet on the fly."""

from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.consumption import MISSING
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

BERLIN = ZoneInfo("Europe/Berlin")
MODEL = CounterModel(counter_modulus_wh(7, 1), 1, 1800)
START = 1_767_222_000  # 2026-01-01T00:00+01:00
DAYS = 40


def _store_with_readings(tmp_path, days: int = DAYS) -> tuple[Store, CounterStore]:
    store = Store.open(tmp_path)
    t = np.arange(START, START + days * 86400, 60, dtype=np.int64)
    store.add_readings_bulk((int(a), 5_000_000 + int(a - START) // 6, 1.0, "x") for a in t)
    return store, CounterStore(store)


def test_a_reading_typed_as_1970_costs_a_few_steps_not_one_per_week(tmp_path):
    store, counters = _store_with_readings(tmp_path)
    upkeep.refresh(counters, MODEL)
    store.add_reading(0, 1000, 1.0, "manual")  # 1970-01-01T00:00Z, counter 1 kWh
    steps = upkeep.refresh(counters, MODEL)
    # 56 years at a week per step would be ~2,900 steps; the empty stretch is one step, then
    # the 40 days of readings a week at a time.
    assert steps <= 2 + DAYS // 7 + 1
    assert counters.dirty_range() is None


def test_queries_answer_without_writing_while_the_pre_aggregate_is_stale(tmp_path):
    store, counters = _store_with_readings(tmp_path, days=3)
    upkeep.refresh(counters, MODEL)
    store.add_reading(0, 1000, 1.0, "manual")
    store.add_readings_bulk([(START + 3 * 86400 + 60 * i, 5_043_200 + 10 * i, 1.0, "x")
                             for i in range(30)])
    # A read-only connection, as on a file system remounted read-only: any write would fail.
    store.connection.execute("PRAGMA query_only = ON")
    days = aggregate.consumption(counters, "day", START, START + 4 * 86400, BERLIN, MODEL)
    direct = aggregate.consumption(counters, "day", START, START + 4 * 86400, BERLIN, MODEL,
                                   use_quarters=False)
    assert days.energy_wh.tolist() == direct.energy_wh.tolist()
    assert days.quality.tolist() == direct.quality.tolist()
    assert days.energy_wh[:3].tolist() == [14400, 14400, 14400]
    months = aggregate.consumption(counters, "month", 0, START + 4 * 86400, BERLIN, MODEL)
    assert months.bounds_utc.size > 600  # from 1970 on, answered on the fly
    result = aggregate.profile(counters, START, START + 3 * 86400, BERLIN, MODEL)
    assert result
    store.connection.execute("PRAGMA query_only = OFF")
    assert counters.dirty_range() is not None  # nothing was written by the queries


def test_readings_are_stored_every_time_while_the_upkeep_works(tmp_path):
    store, counters = _store_with_readings(tmp_path)
    store.add_reading(0, 1000, 1.0, "manual")  # a stale range of 56 years
    worker = upkeep.UpkeepWorker(lambda: CounterStore(Store(store.path)), lambda: MODEL,
                                 idle_poll_s=0.1)
    errors: list[Exception] = []
    stored = 0

    def capture() -> None:
        nonlocal stored
        writer = Store(store.path)  # the capture loop's own connection
        for i in range(40):
            try:
                writer.add_reading(START + DAYS * 86400 + 60 * i, 5_576_000 + 10 * i, 1.0, "x")
                stored += 1
            except Exception as error:  # "database is locked" would land here
                errors.append(error)
            threading.Event().wait(0.02)
        writer.close()

    worker.start()
    thread = threading.Thread(target=capture)
    thread.start()
    thread.join()
    deadline = threading.Event()
    for _ in range(600):
        if counters.dirty_range() is None:
            break
        deadline.wait(0.1)
    worker.stop()
    assert errors == [] and stored == 40
    assert worker.steps >= 1 and worker.last_error is None
    assert counters.dirty_range() is None


def test_nothing_is_interpolated_across_a_gap_of_more_than_a_month(tmp_path):
    store, counters = _store_with_readings(tmp_path, days=2)
    store.add_reading(0, 1000, 1.0, "manual")
    upkeep.refresh(counters, MODEL)
    for use_quarters in (True, False):
        years = aggregate.consumption(counters, "year", 0, START + 2 * 86400, BERLIN, MODEL,
                                      use_quarters=use_quarters)
        assert years.quality[:-1].tolist() == [MISSING] * (years.quality.size - 1)
        assert years.energy_wh[:-1].sum() == 0  # nothing spread over 1970 to 2025
