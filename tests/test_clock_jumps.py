"""The clock: nothing stored at a time implausibly ahead (wall against monotonic clock), and
after a jump back the readings stored ahead are flagged as clock errors and capture goes on."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics import aggregate
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.clock_guard import CLOCK_AHEAD, ClockGuard
from stromzaehler.gate import Gate
from stromzaehler.sources import Frame
from stromzaehler.store import Store
from stromzaehler.store.clock_errors import CLOCK_ERROR_REASON
from stromzaehler.store.counters import CounterStore

from .test_processing import ScriptedRecognizer

START = 1_780_000_020
YEAR_S = 365 * 86400


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _handler(tmp_path, values, monotonic):
    store = Store.open(tmp_path)
    handler = FrameHandler(store, ScriptedRecognizer(values), Gate(), clock_ok=lambda: True)
    handler.clock_guard = ClockGuard(monotonic=monotonic)
    return handler, store


def _frame(t_utc: float) -> Frame:
    return Frame(np.zeros((48, 64, 3), np.uint8), t_utc, "picamera")


def test_a_jump_ahead_is_rejected_until_the_clock_is_back():
    mono = FakeMonotonic()
    guard = ClockGuard(monotonic=mono)
    assert guard.check(START) is None
    mono.now += 60
    assert guard.check(START + 60 + YEAR_S) == CLOCK_AHEAD
    mono.now += 60
    assert guard.check(START + 120 + YEAR_S) == CLOCK_AHEAD
    mono.now += 60
    assert guard.check(START + 180) is None  # back, and capture goes on


def test_a_jump_that_holds_is_taken_after_a_while():
    mono = FakeMonotonic()
    guard = ClockGuard(monotonic=mono, confirm_frames=3)
    guard.check(START)
    results = []
    for i in range(1, 5):
        mono.now += 60
        results.append(guard.check(START + 60 * i + 7200))  # NTP stepped two hours ahead
    assert results == [CLOCK_AHEAD, CLOCK_AHEAD, None, None]


def test_readings_never_get_a_time_a_year_ahead(tmp_path):
    mono = FakeMonotonic()
    values = [99_516_000 + 100 * (i // 2) for i in range(12)]
    handler, store = _handler(tmp_path, values, mono)
    statuses = []
    for i in range(12):
        mono.now += 60
        jumped = YEAR_S if 5 <= i < 8 else 0  # three frames during the jump
        statuses.append(handler.handle(_frame(START + 60 * i + jumped)))
    assert [o.reason for o in statuses[5:8]] == [CLOCK_AHEAD] * 3
    assert max(r.t_utc for r in store.readings(0, 2**62)) < START + 3600
    assert statuses[-1].status == "accepted"  # capture went on at once


def test_readings_stored_ahead_are_flagged_and_capture_goes_on(tmp_path):
    """The jump happened before this run (no monotonic anchor): the clock comes back."""
    mono = FakeMonotonic()
    values = [99_516_000 + 100 * (i // 2) for i in range(10)]
    handler, store = _handler(tmp_path, values, mono)
    for i in range(4):
        mono.now += 60
        handler.handle(_frame(START + 60 * i))
    # A restart with the clock a year ahead: nothing to compare it with, the readings are stored.
    handler.clock_guard = ClockGuard(monotonic=mono)
    future = [handler.handle(_frame(START + YEAR_S + 60 * i)) for i in range(4, 7)]
    assert "accepted" in [o.status for o in future]
    # Another restart: the clock is right again.
    handler.clock_guard = ClockGuard(monotonic=mono)
    outcomes = [handler.handle(_frame(START + 60 * i)) for i in range(7, 10)]
    assert [o.status for o in outcomes] == ["accepted"] * 3
    assert "flagged as clock errors" in handler.clock_note
    # Kept, shown in Review, left out of consumption.
    assert store.count_readings() >= 7 + 3
    for outcome in future:
        frame = store.frame(outcome.frame_id)
        if outcome.status == "accepted":
            assert (frame.status, frame.reason) == ("rejected", CLOCK_ERROR_REASON)
    assert store.last_reading().t_utc == START + 60 * 9
    model = CounterModel(counter_modulus_wh(7, 1), 100, 1800)
    zone = ZoneInfo("Europe/Berlin")
    year = aggregate.consumption(CounterStore(store), "day", START + YEAR_S - 86400,
                                 START + YEAR_S + 86400, zone, model)
    assert year.total_wh == 0 and set(year.quality.tolist()) == {2}
