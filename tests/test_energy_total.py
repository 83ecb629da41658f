"""The published energy total: the accepted counter, never decreasing, continued across a
meter replacement and a rollover, held after a correction that lowers it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stromzaehler.analytics.series import MeterReplacement
from stromzaehler.publish.energy_total import EnergyTotal, TotalState, advance, start_total
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

MODULUS = 1_000_000_000  # 7 rollers, 1 decimal


def test_without_events_the_total_is_what_the_meter_shows():
    state = start_total(100, 99_516_000, [])
    state = advance(state, [160, 220], [99_516_000, 99_516_100], [], MODULUS)
    assert state == TotalState(220, 99_516_100, 99_516_100, 99_516_100)


def test_a_meter_replacement_continues_the_total_from_the_old_meter():
    state = start_total(100, 99_516_000, [])
    swap = MeterReplacement(t_utc=150, old_end_wh=99_516_200, new_start_wh=1_000)
    state = advance(state, [200, 260], [1_000, 1_300], [swap], MODULUS)
    # old meter: 200 Wh up to the swap; new meter: 300 Wh since
    assert state.total_wh == state.published_wh == 99_516_500
    assert state.shown_wh == 1_300


def test_replacements_before_the_first_reading_count_in_the_start():
    swap = MeterReplacement(t_utc=50, old_end_wh=5_000_000, new_start_wh=0)
    assert start_total(100, 2_000, [swap]).total_wh == 5_002_000


def test_a_rollover_continues_past_the_top():
    state = start_total(100, MODULUS - 100, [])
    state = advance(state, [160], [200], [], MODULUS)
    assert state.total_wh == MODULUS + 200


def test_a_lowered_reading_holds_the_published_value_until_the_counter_passes_it():
    # 99_516_500 was published, then the reading was corrected to 99_516_000
    state = TotalState(100, 99_516_000, 99_516_000, 99_516_500)
    state = advance(state, [160], [99_516_300], [], MODULUS)
    assert state.published_wh == 99_516_500 and state.held
    state = advance(state, [220], [99_516_700], [], MODULUS)
    assert state.published_wh == 99_516_700 and not state.held


@given(st.lists(st.integers(-500, 5_000), min_size=1, max_size=40))
def test_the_published_value_never_decreases(steps):
    state = start_total(0, 10_000_000, [])
    counter = 10_000_000
    for i, step in enumerate(steps, start=1):
        counter = max(counter + step, 0)
        before = state.published_wh
        state = advance(state, [i * 60], [counter], [], MODULUS)
        assert state.published_wh >= before


def test_store_backed_total_follows_readings_and_survives_a_restart(tmp_path):
    store = Store.open(tmp_path)
    assert EnergyTotal(store, MODULUS).current() is None
    store.add_reading(1_000, 99_516_000, 0.99, "camera")
    total = EnergyTotal(store, MODULUS)
    assert total.current().published_wh == 99_516_000
    store.add_reading(1_060, 99_516_100, 0.99, "camera")
    assert total.current().published_wh == 99_516_100

    # The owner voids the newest reading; the next readings show less than was published.
    CounterStore(store).set_correction(1_060, None, 2_000, "misread")
    store.add_reading(1_120, 99_516_000, 0.99, "camera")
    assert total.current().published_wh == 99_516_100

    restarted = EnergyTotal(store, MODULUS)  # the value out there survives a restart
    assert restarted.current().published_wh == 99_516_100
    store.add_reading(1_180, 99_516_200, 0.99, "camera")
    assert restarted.current().published_wh == 99_516_200


def test_store_backed_total_continues_across_a_recorded_replacement(tmp_path):
    store = Store.open(tmp_path)
    store.add_reading(1_000, 99_516_000, 0.99, "camera")
    total = EnergyTotal(store, MODULUS)
    total.current()
    CounterStore(store).add_replacement(1_030, 99_516_100, 0, 2_000, "new meter")
    store.add_reading(1_060, 200, 0.99, "camera")
    assert total.current().published_wh == 99_516_300


def test_a_floor_from_elsewhere_is_held_until_the_counter_passes(tmp_path):
    store = Store.open(tmp_path)
    total = EnergyTotal(store, MODULUS)
    assert not total.raise_floor(99_520_000)  # no reading yet: nothing to hold
    store.add_reading(1_000, 99_516_000, 0.99, "camera")
    assert total.raise_floor(99_520_000)
    assert not total.raise_floor(99_519_000)
    store.add_reading(1_060, 99_516_100, 0.99, "camera")
    assert total.current().published_wh == 99_520_000
    assert EnergyTotal(store, MODULUS).current().published_wh == 99_520_000  # kept


def test_the_store_reader_follows_the_meter_settings_the_owner_saves(tmp_path):
    from stromzaehler.config import MeterSettings, Settings
    from stromzaehler.publish.readout import StoreReader
    from stromzaehler.store.revolutions import RevolutionStore

    store = Store.open(tmp_path)
    RevolutionStore(store).add((48.0 * i, True, "test") for i in range(6))
    reader = StoreReader(store, Settings(), clock=lambda: 250.0)
    before = reader.power_w()
    assert before is not None and before > 0
    # The owner corrects the disc's plate value and counts six rollers instead of seven.
    six_rollers = [list(box) for box in Settings().meter.digit_boxes[1:]]
    meter = MeterSettings(digit_boxes=six_rollers, revolutions_per_kwh=150.0)
    reader.reconfigure(Settings(meter=meter))
    assert reader.power_w() == before / 2
    store.add_reading(1_000, 99_999_900, 0.99, "camera")  # 99999.9 kWh on six rollers
    assert reader.read().total.published_wh == 99_999_900
    store.add_reading(1_060, 100, 0.99, "camera")  # rolled over to 00000.1, not a drop
    assert reader.read().total.published_wh == 100_000_100
