"""The gate: plausibility rules, confirmation after gaps, recovery from a bad anchor."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stromzaehler.gate import Gate, GateDecision

T0 = 1_700_000_000
MINUTE = 60


@dataclass
class Seen:
    counter_wh: int | None
    confidence: float = 0.95
    reason: str | None = None
    position_steps: float | None = None


@dataclass
class Stored:
    t_utc: int
    counter_wh: int
    confidence: float = 1.0
    source: str = "test"


def anchored_gate(counter_wh: int = 99_516_000, **kwargs: float) -> Gate:
    gate = Gate(**kwargs)  # type: ignore[arg-type]
    # Two hours at about 600 W: 100 Wh every 10 minutes.
    gate.restore([Stored(T0 - 600 * i, counter_wh - 100 * i) for i in range(12, -1, -1)])
    return gate


def test_plausible_readings_are_accepted() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000), T0 + MINUTE) == GateDecision(True, None, 99_516_000)
    assert gate.check(Seen(99_516_100), T0 + 2 * MINUTE).accepted
    assert gate.anchor == (T0 + 2 * MINUTE, 99_516_100)


def test_reader_reasons_and_low_confidence_are_rejected() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(None, 0.0, "alignment"), T0 + MINUTE).reason == "alignment"
    assert gate.check(Seen(99_516_000, 0.3), T0 + MINUTE).reason == "low_confidence"
    assert gate.check(Seen(None), T0 + MINUTE).reason == "unreadable"
    assert gate.check(Seen(None, 0.1, "low_confidence"), T0 + MINUTE).reason == "low_confidence"
    assert gate.anchor == (T0, 99_516_000)


def test_decreasing_is_rejected() -> None:
    gate = anchored_gate()
    decision = gate.check(Seen(99_515_900), T0 + MINUTE)
    assert (decision.accepted, decision.reason) == (False, "decreasing")


def test_more_than_max_power_is_rejected() -> None:
    gate = anchored_gate(max_power_w=20000)
    # 20 kW for one minute is 333 Wh; +500 Wh is impossible.
    decision = gate.check(Seen(99_516_500), T0 + MINUTE)
    assert (decision.accepted, decision.reason) == (False, "too_fast")


def test_jump_above_the_recent_rate_needs_confirmation() -> None:
    gate = anchored_gate()
    # +300 Wh in a minute (18 kW) is possible but far above the recent 600 W.
    assert gate.check(Seen(99_516_300), T0 + MINUTE).reason == "unconfirmed"
    # A misread that is not repeated never gets in; the true value goes on being accepted.
    assert gate.check(Seen(99_516_000), T0 + 2 * MINUTE).accepted
    assert gate.anchor == (T0 + 2 * MINUTE, 99_516_000)


def test_a_real_jump_is_accepted_once_confirmed_with_backfill() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_300), T0 + MINUTE).reason == "unconfirmed"
    assert gate.check(Seen(99_516_500), T0 + 2 * MINUTE).reason == "unconfirmed"
    decision = gate.check(Seen(99_516_700), T0 + 3 * MINUTE)
    assert decision.accepted
    assert decision.backfill == (
        (T0 + MINUTE, 99_516_300, 0.95),
        (T0 + 2 * MINUTE, 99_516_500, 0.95),
    )


def test_fresh_gate_anchors_on_agreeing_frames() -> None:
    gate = Gate()
    assert gate.check(Seen(99_516_000), T0).reason == "unconfirmed"
    assert gate.check(Seen(99_516_000), T0 + MINUTE).reason == "unconfirmed"
    decision = gate.check(Seen(99_516_000), T0 + 2 * MINUTE)
    assert decision.accepted
    assert len(decision.backfill) == 2


def test_fresh_gate_ignores_a_disagreeing_frame() -> None:
    gate = Gate()
    gate.check(Seen(99_516_000), T0)
    gate.check(Seen(55_516_000), T0 + MINUTE)  # misread: does not agree with the others
    gate.check(Seen(99_516_000), T0 + 2 * MINUTE)
    decision = gate.check(Seen(99_516_100), T0 + 3 * MINUTE)
    assert decision.accepted
    assert [wh for _, wh, _ in decision.backfill] == [99_516_000, 99_516_000]


def test_recovers_after_one_bad_accepted_value() -> None:
    gate = anchored_gate()
    # A wrong value got stored (9 instead of 5 in the hundreds roller) and is now the anchor.
    gate.restore([Stored(T0, 99_916_000)])
    t = T0
    decisions = []
    for i in range(12):
        t += MINUTE
        decisions.append(gate.check(Seen(99_516_000 + 100 * (i // 5)), t))
    assert decisions[0].reason == "decreasing"
    accepted = [d for d in decisions if d.accepted]
    assert accepted, [d.reason for d in decisions]
    first = accepted[0]
    assert first.reanchored
    assert gate.anchor is not None and gate.anchor[1] < 99_916_000
    # Afterwards the gate works normally again.
    assert gate.check(Seen(gate.anchor[1]), t + MINUTE).accepted


def test_recovers_after_a_long_outage() -> None:
    gate = anchored_gate()
    t = T0 + 3 * 24 * 3600  # three days later, 40 kWh more
    assert gate.check(Seen(99_556_000), t).reason == "unconfirmed"
    assert gate.check(Seen(99_556_000), t + MINUTE).reason == "unconfirmed"
    decision = gate.check(Seen(99_556_100), t + 2 * MINUTE)
    assert decision.accepted
    assert [wh for _, wh, _ in decision.backfill] == [99_556_000, 99_556_000]


def test_a_single_misread_after_an_outage_is_not_accepted() -> None:
    gate = anchored_gate()
    t = T0 + 3 * 24 * 3600
    assert not gate.check(Seen(99_956_000), t).accepted
    assert not gate.check(Seen(99_556_000), t + MINUTE).accepted
    assert not gate.check(Seen(99_556_000), t + 2 * MINUTE).accepted
    decision = gate.check(Seen(99_556_000), t + 3 * MINUTE)
    assert decision.accepted
    assert all(wh == 99_556_000 for _, wh, _ in decision.backfill)


def test_rollover_past_all_nines_is_accepted() -> None:
    rollover_wh = 10**7 * 100
    gate = Gate(rollover_wh=rollover_wh)
    gate.restore([Stored(T0 - 600 * i, rollover_wh - 100 - 100 * i) for i in range(6, -1, -1)])
    decision = gate.check(Seen(0), T0 + 10 * MINUTE)
    assert decision.accepted
    # Without a rollover value the same reading is a decrease.
    plain = Gate()
    plain.restore([Stored(T0, rollover_wh - 100)])
    assert plain.check(Seen(0), T0 + 10 * MINUTE).reason == "decreasing"


def test_time_going_backwards_is_rejected() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000), T0 - MINUTE).reason == "clock_backwards"


@pytest.mark.parametrize("bad", [{"max_power_w": 0}, {"confirm_frames": 9, "reanchor_frames": 3}])
def test_bad_parameters_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Gate(**bad)  # type: ignore[arg-type]


def test_reader_output_through_a_carry_is_accepted_frame_by_frame() -> None:
    """MeterReader composition + gate across 0995169.5 -> 0995170.5 at about 600 W."""
    import numpy as np

    from stromzaehler.config import Box, MeterGeometry
    from stromzaehler.recognition.reading import MeterReader
    from stromzaehler.simulator.meter import roller_positions_array

    @dataclass(frozen=True)
    class Digit:
        digit: str | None
        value: float
        confidence: float

    boxes = tuple(Box(10 + 50 * i, 10, 40, 80) for i in range(7))
    reader = MeterReader(MeterGeometry(boxes), model=object())  # type: ignore[arg-type]
    gate = Gate(rollover_wh=10**9)
    gate.restore([Stored(T0 - 600 * i, 99_516_900 - 100 * i) for i in range(6, -1, -1)])
    previous = 99_516_900
    for minute in range(1, 11):
        steps = 995169.5 + 0.1 * minute
        values = roller_positions_array(np.array([steps]), 7, "geared")[0]
        digits = [Digit(None, float(v), 0.95) for v in values]
        result = reader.compose_digits(digits, previous_wh=previous)
        decision = gate.check(result, T0 + MINUTE * minute)
        assert decision.accepted, (steps, result.reading, decision.reason)
        assert result.counter_wh == int(np.floor(steps + 0.2)) * 100
        previous = result.counter_wh


def test_a_last_roller_that_jumps_needs_confirmation() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000, position_steps=995160.28), T0 + MINUTE).accepted
    # 8.3 misread as 8.9: the digits go up by one step, the roller jumped 0.6 step in a minute.
    jumped = gate.check(Seen(99_516_100, position_steps=995160.88), T0 + 2 * MINUTE)
    assert (jumped.accepted, jumped.reason) == (False, "unconfirmed")
    assert gate.check(Seen(99_516_000, position_steps=995160.30), T0 + 3 * MINUTE).accepted


def test_a_last_roller_misread_after_a_missed_frame_needs_confirmation() -> None:
    """Seen in a simulated week: at about 200 W a hand over the last roller at 8.42 read as
    9.0 two minutes after the last accepted 8.38 (a glare frame between them)."""
    gate = Gate(rollover_wh=10**9)
    position = 995267.68
    for minute in range(-20, 1):
        position += 200 / 60 / 100
        decision = gate.check(Seen(int(position + 0.2) * 100, position_steps=position),
                              T0 + minute * MINUTE)
        assert decision.accepted or minute < -17  # a fresh gate confirms its first frames
    hand = gate.check(Seen(99_526_900, 1.0, position_steps=995269.0), T0 + 2 * MINUTE)
    assert (hand.accepted, hand.reason) == (False, "unconfirmed")
    assert gate.check(Seen(99_526_800, position_steps=position + 0.1), T0 + 3 * MINUTE).accepted


def test_a_kettle_switched_on_waits_for_the_next_frames_and_is_backfilled() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000, position_steps=995160.10), T0 + MINUTE).accepted
    # 3 kW from now on: half a step a minute.
    kettle = [Seen(99_516_000 + 100 * int(0.3 + 0.5 * m), position_steps=995160.10 + 0.5 * m)
              for m in range(1, 5)]
    first = gate.check(kettle[0], T0 + 2 * MINUTE)
    assert first.accepted or first.reason == "unconfirmed"
    decisions = [gate.check(seen, T0 + (2 + m) * MINUTE) for m, seen in enumerate(kettle[1:], 1)]
    assert decisions[-1].accepted
    stored = {T0 + 2 * MINUTE} if first.accepted else set()
    for m, decision in enumerate(decisions, 1):
        if decision.accepted:
            stored |= {T0 + (2 + m) * MINUTE} | {t for t, _, _ in decision.backfill}
    assert stored == {T0 + m * MINUTE for m in range(2, 6)}


def test_a_kettle_earlier_in_the_hour_does_not_let_a_last_roller_misread_pass() -> None:
    """Seen in a simulated week: 1.9 kW over the hour, ~400 W in the last minutes, and a
    blurred last roller at 4.95 read as 6.0 (one step up, position +1.1 in a minute)."""
    gate = Gate(rollover_wh=10**9)
    # 2.5 kW for 45 minutes (3x the hour's mean is 5.9 kW, one step a minute), then 400 W
    # (0.07 step per minute) for 15 minutes.
    position = 995300.0
    for minute in range(-60, 1):
        position += (2500 if minute < -15 else 400) / 60 / 100
        seen = Seen(int(position + 0.2) * 100, position_steps=position)
        decision = gate.check(seen, T0 + minute * MINUTE)
        # A fresh gate knows no rate yet: at 2.5 kW its first frames wait for confirmation.
        assert decision.accepted or minute < -45
    misread = Seen((int(position + 0.2) + 1) * 100, position_steps=position + 1.1)
    assert gate.check(misread, T0 + MINUTE).reason == "unconfirmed"
    position += 2 * 400 / 60 / 100
    right = Seen(int(position + 0.2) * 100, position_steps=position)
    assert gate.check(right, T0 + 2 * MINUTE).accepted


def test_a_waiting_reading_off_the_way_to_its_confirmation_is_not_backfilled() -> None:
    """Seen in a simulated week: a fast load (0.9 step a minute), a hand over the last roller
    at 0.24 read as 1.18; the next readings agree with its digits and confirm it."""
    gate = anchored_gate(99_535_800)
    assert gate.check(Seen(99_535_800, position_steps=995358.60), T0 + MINUTE).accepted
    wrong = Seen(99_536_100, position_steps=995361.18)  # truth 995360.24: digits ...60
    assert gate.check(wrong, T0 + 3 * MINUTE).reason == "unconfirmed"
    assert gate.check(Seen(99_536_100, position_steps=995361.07), T0 + 4 * MINUTE).reason == (
        "unconfirmed"
    )
    decision = gate.check(Seen(99_536_200, position_steps=995361.83), T0 + 5 * MINUTE)
    assert decision.accepted
    assert decision.backfill == ((T0 + 4 * MINUTE, 99_536_100, 0.95),)


def test_an_unsure_rise_waits_for_the_next_frames() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000, 0.64), T0 + MINUTE).accepted  # repeats the anchor
    # A hand over the last roller: +1 step with confidence 0.64 is not stored on its own.
    assert gate.check(Seen(99_516_100, 0.64), T0 + 2 * MINUTE).reason == "unconfirmed"
    assert gate.check(Seen(99_516_000), T0 + 3 * MINUTE).accepted
    # A real rise seen unsurely is confirmed by the frames after it.
    assert gate.check(Seen(99_516_100, 0.64), T0 + 4 * MINUTE).reason == "unconfirmed"
    assert gate.check(Seen(99_516_100, 0.7), T0 + 5 * MINUTE).reason == "unconfirmed"
    decision = gate.check(Seen(99_516_100, 0.7), T0 + 6 * MINUTE)
    assert decision.accepted
    assert [t for t, _, _ in decision.backfill] == [T0 + 4 * MINUTE, T0 + 5 * MINUTE]


def test_a_last_roller_that_turns_on_slowly_is_accepted() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000, position_steps=995160.70), T0 + MINUTE).accepted
    decision = gate.check(Seen(99_516_100, position_steps=995160.81), T0 + 2 * MINUTE)
    assert decision.accepted


def test_an_unsure_frame_is_rejected_even_when_it_repeats_the_anchor() -> None:
    gate = anchored_gate()
    assert gate.check(Seen(99_516_000, position_steps=995160.73), T0 + MINUTE).accepted
    # A camera that moved misreads the same way every minute: agreeing with the anchor is no
    # evidence, so a reading the reader was unsure of never gets in.
    for minute, reason in enumerate(("low_confidence", "rollers_disagree"), start=2):
        unsure = Seen(99_516_000, 0.49, reason, position_steps=995160.75)
        assert gate.check(unsure, T0 + minute * MINUTE).reason == reason
    assert gate.check(Seen(99_516_000, 0.2), T0 + 4 * MINUTE).reason == "low_confidence"


@settings(max_examples=60, deadline=None)
@given(
    bad_wh=st.integers(0, 10**9 - 1),
    gap_s=st.integers(60, 30 * 24 * 3600),
    power_w=st.integers(0, 5000),
)
def test_never_locked_out(bad_wh: int, gap_s: int, power_w: int) -> None:
    """Whatever value got stored last and however long ago, true frames win within 20 min."""
    gate = Gate(rollover_wh=10**9)
    gate.restore([Stored(T0, bad_wh)])
    true_wh = 99_516_000
    t = T0 + gap_s
    accepted_at = None
    for minute in range(20):
        energy_wh = true_wh + power_w * minute * MINUTE / 3600
        reading = int(energy_wh // 100 * 100)
        decision = gate.check(Seen(reading), t + minute * MINUTE)
        if decision.accepted:
            assert decision.counter_wh == reading
            accepted_at = minute
            break
    assert accepted_at is not None
