"""Edge buckets: the day and the month in which the recording starts or stops show the energy
of the covered part, say how much was covered, and count in the totals; nothing is invented
before the first or after the last reading."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from stromzaehler.analytics import aggregate, upkeep
from stromzaehler.analytics.consumption import MEASURED, MISSING, PARTIAL
from stromzaehler.analytics.export import consumption_dict
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

BERLIN = ZoneInfo("Europe/Berlin")
MODEL = CounterModel(counter_modulus_wh(7, 1), 1, 1800)
POWER_W = 460  # 11.04 kWh a day


def _local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


def _recording(tmp_path, start_utc: int, end_utc: int) -> CounterStore:
    store = Store.open(tmp_path)
    t = np.arange(start_utc, end_utc + 1, 60, dtype=np.int64)
    store.add_readings_bulk((int(a), 1_000_000 + int(a - start_utc) * POWER_W // 3600, 1.0, "x")
                            for a in t)
    counters = CounterStore(store)
    upkeep.refresh(counters, MODEL)
    return counters


@pytest.mark.parametrize("refreshed", [True, False])
def test_three_days_from_1030_count_whole_in_days_and_in_january(tmp_path, refreshed):
    start, end = _local("2026-01-01T10:30"), _local("2026-01-04T10:30")
    counters = _recording(tmp_path, start, end)
    if not refreshed:
        counters.store.add_reading(end + 60, 1_000_000 + (end + 60 - start) * POWER_W // 3600,
                                   1.0, "x")  # a newer reading the upkeep has not seen yet
        end += 60
    recorded_wh = (end - start) * POWER_W // 3600
    days = aggregate.consumption(counters, "day", _local("2026-01-01T00:00"),
                                 _local("2026-01-06T00:00"), BERLIN, MODEL)
    assert days.quality.tolist() == [PARTIAL, MEASURED, MEASURED, PARTIAL, MISSING]
    assert days.total_wh == pytest.approx(recorded_wh, abs=2)  # nothing left out, nothing added
    assert days.coverage[0] == pytest.approx(13.5 / 24)
    assert days.energy_wh[0] == pytest.approx(13.5 * POWER_W, abs=2)
    months = aggregate.consumption(counters, "month", _local("2025-12-01T00:00"),
                                   _local("2026-03-01T00:00"), BERLIN, MODEL)
    assert months.quality.tolist() == [MISSING, PARTIAL, MISSING]
    assert months.energy_wh[1] == pytest.approx(recorded_wh, abs=2)
    assert 0 < months.coverage[1] < 0.1
    body = consumption_dict(months)
    assert body["buckets"][1]["quality"] == "partial" and body["buckets"][1]["kwh"] > 0
    assert body["total_kwh"] == pytest.approx(recorded_wh / 1000, abs=0.002)


def test_a_year_started_at_midnight_utc_shows_january(tmp_path):
    start = int(datetime.fromisoformat("2026-01-01T00:00+00:00").timestamp())
    counters = _recording(tmp_path, start, start + 40 * 86400)
    months = aggregate.consumption(counters, "month", _local("2026-01-01T00:00"),
                                   _local("2026-03-01T00:00"), BERLIN, MODEL)
    # Local January began an hour before the first reading: partial, nearly all covered.
    assert months.quality.tolist() == [PARTIAL, PARTIAL]
    assert months.coverage[0] == pytest.approx(1 - 1 / (31 * 24))
    assert months.energy_wh[0] == pytest.approx((31 * 24 - 1) * POWER_W, abs=2)
    assert months.total_wh == pytest.approx(40 * 24 * POWER_W, abs=2)
