"""Composition of roller positions into a reading: carries, half-turned rollers, the prior."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stromzaehler.config import Box, MeterGeometry
from stromzaehler.recognition.reading import (
    LAST_ROLLER_ROUND_UP,
    MeterReader,
    compose,
    steps_to_wh,
    with_hidden_rollers,
)
from stromzaehler.simulator.meter import roller_positions_array

N = 7


@dataclass(frozen=True)
class DigitReading:
    """Same fields as recognition.digits.DigitReading; composition needs nothing else."""

    digit: str | None
    value: float
    confidence: float


def positions(steps: float, carry: str = "geared") -> list[float]:
    return [float(p) for p in roller_positions_array(np.array([steps]), N, carry)[0]]


def expected(steps: float) -> str:
    """The reading people see: the last roller shows the next digit from x.8 on."""
    return str(int(np.floor(steps + LAST_ROLLER_ROUND_UP)) % 10**N).zfill(N)


def _wrap(delta: float) -> float:
    return (delta + 5.0) % 10.0 - 5.0


def shifted_carry(steps: float, shift: float) -> list[float]:
    """A geared counter whose rollers carry `shift` digits late (negative: early): a roller
    turns while the roller below goes from 9 + shift to 10 + shift."""
    lower = steps % 10.0
    result = [lower]
    for k in range(1, N):
        whole = np.floor(steps / 10.0**k) % 10.0
        lower_digit = np.floor(steps / 10.0 ** (k - 1)) % 10.0
        lower_eff = lower_digit + _wrap(lower - lower_digit)
        progress = 0.0
        if lower_digit == 9:
            progress = float(np.clip(lower_eff - 9.0 - shift, 0.0, 1.0))
        elif lower_digit == 0 and shift > 0:
            progress = float(np.clip(lower_eff + 1.0 - shift, 0.0, 1.0)) - 1.0
        lower = (whole + progress) % 10.0
        result.append(lower)
    return [float(v) for v in reversed(result)]


def test_1299_9_to_1300_0_reads_every_intermediate_position() -> None:
    for steps in np.arange(12990.0, 13002.0, 0.05):
        assert compose(positions(steps)).reading == expected(steps), steps


def test_rollover_of_all_rollers_past_all_nines() -> None:
    for steps in np.arange(9_999_990.0, 10_000_002.0, 0.05):
        assert compose(positions(steps)).reading == expected(steps), steps


def test_half_turned_higher_rollers_are_read_as_the_lower_digit() -> None:
    # 0995169.5: the tens roller is half-way from 6 to 7, the hundreds from 1 to ... no: only
    # rollers above a 9 turn, so 0995169.5 has the "6" half-way to 7.
    values = positions(995169.5)
    assert values[-2] == pytest.approx(6.5)
    assert compose(values).reading == "0995169"


@pytest.mark.parametrize("shift", [-0.35, -0.2, 0.2, 0.35])
def test_early_and_late_carry(shift: float) -> None:
    for steps in np.arange(12985.0, 13015.0, 0.05):
        values = shifted_carry(steps, shift)
        assert compose(values).reading == expected(steps), (steps, values)


def test_abrupt_carry() -> None:
    for steps in np.arange(12990.0, 13002.0, 0.05):
        assert compose(positions(steps, "abrupt"), carry="abrupt").reading == expected(steps)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.floats(0, 10**N - 1, allow_nan=False),
    noise=st.lists(st.floats(-0.1, 0.1), min_size=N, max_size=N),
)
def test_noisy_positions_still_compose_right(steps: float, noise: list[float]) -> None:
    values = positions(steps)
    # Noise may not move the last roller across the line where its digit changes.
    last_frac = (values[-1] + LAST_ROLLER_ROUND_UP) % 1.0
    noise[-1] = float(np.clip(noise[-1], -last_frac + 1e-6, 1.0 - last_frac - 1e-6))
    noisy = [(v + n) % 10.0 for v, n in zip(values, noise, strict=True)]
    assert compose(noisy).reading == expected(steps)


def test_a_centred_last_digit_reads_as_that_digit_on_either_side() -> None:
    values = positions(995160.0)
    for seen in (9.96, 0.0, 0.04):
        values[-1] = seen
        assert compose(values).reading == "0995160", seen


def test_prior_breaks_a_tie_at_the_last_roller_but_never_goes_backwards() -> None:
    # The last roller really shows the 6 (at 5.82) but is seen at 5.77: just short of the line.
    values = positions(995165.82)
    values[-1] = 5.77
    assert compose(values).reading == "0995165"
    assert compose(values, prior_steps=995166).reading == "0995166"
    # Seen at 5.83 with a prior of 5: the image's own decision (6) stays.
    values[-1] = 5.83
    assert compose(values, prior_steps=995165).reading == "0995166"


def test_prior_is_not_copied_when_the_image_is_clear() -> None:
    values = positions(995160.4)
    composed = compose(values, prior_steps=995150)
    assert composed.reading == "0995160"
    assert not composed.used_prior


def test_an_upper_roller_half_way_without_a_carry_disagrees_even_with_a_prior() -> None:
    values = positions(995160.4)
    values[-2] = 6.5  # tens roller half-way although the roller below is at 0.4
    assert compose(values).margins[-2] < 0.1
    assert compose(values).disagreeing == (N - 2,)
    composed = compose(values, prior_steps=995160)
    assert composed.disagreeing == (N - 2,)
    assert not composed.used_prior


def _digits(values: list[float], confidence: float = 0.95) -> list[DigitReading]:
    return [DigitReading(str(int(v) % 10), v, confidence) for v in values]


def _reader(decimals: int = 1) -> MeterReader:
    boxes = tuple(Box(10 + 50 * i, 10, 40, 80) for i in range(N))
    return MeterReader(MeterGeometry(boxes, decimals=decimals), model=object())  # type: ignore[arg-type]


def test_counter_wh_follows_decimals() -> None:
    assert steps_to_wh(995160, 1) == 99_516_000
    result = _reader(decimals=1).compose_digits(_digits(positions(995160.3)))
    assert result.reading == "0995160"
    assert result.counter_wh == 99_516_000
    assert result.reason is None
    result = _reader(decimals=0).compose_digits(_digits(positions(995160.3)))
    assert result.counter_wh == 995_160_000


def test_unconfident_digit_or_disagreeing_rollers_are_not_accepted() -> None:
    digits = _digits(positions(995160.3))
    digits[2] = DigitReading(None, 5.0, 0.2)
    result = _reader().compose_digits(digits)
    assert result.reason == "low_confidence"
    values = positions(995160.4)
    values[-2] = 6.5
    assert _reader().compose_digits(_digits(values)).reason == "rollers_disagree"
    # Not even when it equals the last reading: the prior never vouches for such a frame.
    repeated = _reader().compose_digits(_digits(values), previous_wh=99_516_000)
    assert repeated.reason == "rollers_disagree"


class _ConstantModel:
    def read(self, crops):
        return _digits(positions(995160.3))[: len(crops)]


def test_a_repeated_frame_is_rejected_as_frozen() -> None:
    boxes = tuple(Box(10 + 50 * i, 10, 40, 80) for i in range(N))
    reader = MeterReader(MeterGeometry(boxes), model=_ConstantModel())
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (120, 400, 3), dtype=np.uint8)
    assert reader.read(frame).reading == "0995160"
    assert reader.read(frame.copy()).reason == "frozen"
    other = rng.integers(0, 255, (120, 400, 3), dtype=np.uint8)
    assert reader.read(other).reason is None


class _LowerRollersModel:
    """Reads the last crops it is given as the lower rollers of 0995160.3."""

    def __init__(self, steps: float = 995160.3) -> None:
        self.steps = steps
        self.crops_seen = 0

    def read(self, crops):
        self.crops_seen = len(crops)
        return _digits(positions(self.steps))[N - len(crops) :]


def _reader_with_first_boxes_outside(
    hidden: int, model: _LowerRollersModel, decimals: int = 1, n: int = N
) -> MeterReader:
    """Boxes of a 400 px wide frame whose first `hidden` boxes lie left of it."""
    boxes = tuple(Box(10 + 50 * (i - hidden), 10, 40, 80) for i in range(n))
    return MeterReader(MeterGeometry(boxes, decimals=decimals), model=model)


def _frame(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (120, 400, 3), dtype=np.uint8)


def test_a_roller_out_of_the_picture_on_the_left_comes_from_the_previous_reading() -> None:
    model = _LowerRollersModel()
    reader = _reader_with_first_boxes_outside(1, model)
    result = reader.read(_frame(), previous_wh=99_515_900)
    assert model.crops_seen == N - 1
    assert (result.reading, result.counter_wh, result.reason) == ("0995160", 99_516_000, None)
    carried = result.digits[0]  # not read: digit None, confidence 0, the digit carried over
    assert (carried.digit, carried.value, carried.confidence) == (None, 0.0, 0.0)
    assert [d.digit for d in result.digits[1:]] == list("995160")
    assert result.position_steps == pytest.approx(995160.3)
    # Without a previous reading nothing pins the hidden roller down.
    assert reader.read(_frame(1)).reason == "out_of_view"


def test_rollers_out_of_the_picture_need_enough_rollers_in_view() -> None:
    """Three rollers in view count 100 kWh before they wrap: after an outage they could have
    turned round unseen, so the hidden rollers are not carried over."""
    model = _LowerRollersModel()
    reader = _reader_with_first_boxes_outside(1, model, n=4)
    assert reader.read(_frame(), previous_wh=99_515_900).reason == "out_of_view"
    assert model.crops_seen == 0


def test_a_roller_out_of_the_picture_on_the_right_is_never_carried_over() -> None:
    boxes = tuple(Box(10 + 50 * i + 60, 10, 40, 80) for i in range(N))  # last box past x=400
    reader = MeterReader(MeterGeometry(boxes), model=_LowerRollersModel())
    assert reader.read(_frame(), previous_wh=99_515_900).reason == "out_of_view"


def test_hidden_rollers_carry_when_the_rollers_in_view_pass_all_nines() -> None:
    visible = compose(positions(0.1)[1:])  # 000000 in view after 0999999
    whole = with_hidden_rollers(visible, 1, prior_steps=999_999)
    assert (whole.reading, whole.used_prior) == ("1000000", True)
    assert whole.position_steps == pytest.approx(1_000_000.1)


def test_hidden_rollers_keep_a_misread_below_the_prior_below_it() -> None:
    """The gate must see the decrease and reject it, not a jump of almost a whole turn."""
    visible = compose(positions(995150.1)[1:])
    whole = with_hidden_rollers(visible, 1, prior_steps=995_160)
    assert whole.reading == "0995150"
    assert whole.position_steps == pytest.approx(995150.1)
