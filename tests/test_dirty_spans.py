"""The pre-aggregate's dirty spans are kept per changed day: a reading typed as 1970 next to the
readings the capture keeps storing leaves two short stale stretches, not one over the whole
history, so queries compute only those on the fly and answer the same as from the readings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.analytics.staleness import STALE_MARGIN_S, stale_spans
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore
from stromzaehler.store.db import DATABASE_NAME, connect, migrate

BERLIN = ZoneInfo("Europe/Berlin")
MODEL = CounterModel(counter_modulus_wh(7, 1), 1, 1800)
START = 1_767_222_000  # 2026-01-01T00:00+01:00
DAYS = 60
END = START + DAYS * 86400


def _store(tmp_path) -> tuple[Store, CounterStore]:
    store = Store.open(tmp_path)
    t = np.arange(START, END, 60, dtype=np.int64)
    store.add_readings_bulk((int(a), 5_000_000 + int(a - START) // 6, 1.0, "x") for a in t)
    counters = CounterStore(store)
    upkeep.refresh(counters, MODEL)
    return store, counters


def test_a_1970_reading_and_the_latest_reading_stay_two_short_stale_spans(tmp_path):
    store, counters = _store(tmp_path)
    store.add_reading(0, 1000, 1.0, "manual")  # 1970-01-01T00:00Z, 1 kWh
    store.add_reading(END, 5_000_000 + DAYS * 14_400, 1.0, "x")  # the capture goes on
    assert len(counters.dirty_spans()) == 2
    (first_lo, first_hi), (last_lo, last_hi) = stale_spans(counters, MODEL)
    assert first_lo < 0 and first_hi <= START + 60 + STALE_MARGIN_S
    assert last_lo >= END - 120 - STALE_MARGIN_S and last_hi > END
    # the stored quarters in between are used, and the answer is that of the readings
    months = aggregate.consumption(counters, "month", -3600, END + 86400, BERLIN, MODEL)
    direct = aggregate.consumption(counters, "month", -3600, END + 86400, BERLIN, MODEL,
                                   use_quarters=False)
    assert months.energy_wh.tolist() == direct.energy_wh.tolist()
    assert months.quality.tolist() == direct.quality.tolist()
    assert months.partial_wh == direct.partial_wh
    # one step takes the 1970 span alone; the rest of the history is not walked again
    assert upkeep.refresh_step(counters, MODEL)
    assert counters.dirty_spans() == [(END, END)]
    upkeep.refresh(counters, MODEL)
    assert counters.dirty_spans() == []
    after = aggregate.consumption(counters, "month", -3600, END + 86400, BERLIN, MODEL)
    assert after.energy_wh.tolist() == direct.energy_wh.tolist()


def test_a_database_of_schema_6_keeps_its_dirty_range_and_splits_from_then_on(tmp_path):
    path = tmp_path / DATABASE_NAME
    old = connect(path)
    migrate(old, target=6)
    old.execute("BEGIN")
    old.executemany(
        "INSERT INTO readings (t_utc, counter_wh, confidence, source) VALUES (?, ?, 1.0, 'x')",
        [(START, 5_000_000), (START + 3 * 86400, 5_043_200)],
    )
    old.execute("COMMIT")
    assert old.execute("SELECT lo_utc, hi_utc FROM consumption_dirty").fetchall() == [
        (START, START + 3 * 86400)]
    old.close()
    store = Store.open(tmp_path)
    counters = CounterStore(store)
    assert counters.dirty_spans() == [(START, START + 3 * 86400)]  # the old span, kept
    store.add_reading(0, 1000, 1.0, "manual")
    store.add_reading(START + 30 * 86400, 5_432_000, 1.0, "x")
    assert counters.dirty_spans() == [(0, 0), (START, START + 3 * 86400),
                                      (START + 30 * 86400, START + 30 * 86400)]
    upkeep.refresh(counters, MODEL)
    assert counters.dirty_spans() == [] and counters.dirty_range() is None
