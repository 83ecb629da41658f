"""Ferraris mechanics: rollover, geared carry, roller positions agree with the counter."""

import math

import numpy as np
import pytest

from stromzaehler.simulator.meter import MeterMechanics


def test_reference_reading_and_step() -> None:
    mech = MeterMechanics()
    assert mech.step_wh == 100
    assert mech.reading(99_516_000.0) == "0995160"
    assert mech.display_wh(99_516_099.9) == 99_516_000
    assert mech.counter_wh(99_516_099.9) == 99_516_099


def test_rollover_after_all_nines() -> None:
    mech = MeterMechanics(n_rollers=5, decimals=1)
    top = mech.rollover_wh
    assert top == 10_000_000
    assert mech.reading(top - 1.0) == "99999"
    assert mech.counter_wh(top + 250.0) == 250
    assert mech.reading(top + 250.0) == "00002"
    assert mech.roller_positions(top)[0] == pytest.approx(0.0)


def test_geared_carry_turns_higher_roller_in_last_tenth() -> None:
    mech = MeterMechanics(n_rollers=3, decimals=0)
    # The last roller going from 9 to 10 carries the ones above it along with it.
    assert mech.roller_positions(99_950.0) == pytest.approx((0.95, 9.95, 9.95))
    # Outside the last tenth the higher rollers stand still on their digit.
    assert mech.roller_positions(98_500.0) == pytest.approx((0.0, 9.0, 8.5))
    assert mech.roller_positions(199_300.0) == pytest.approx((1.3, 9.3, 9.3))
    abrupt = MeterMechanics(n_rollers=3, decimals=0, carry="abrupt").roller_positions(99_950.0)
    assert abrupt == pytest.approx((0.0, 9.0, 9.95))


@pytest.mark.parametrize("carry", ["geared", "abrupt"])
def test_roller_positions_match_counter(carry: str) -> None:
    mech = MeterMechanics(carry=carry)  # type: ignore[arg-type]
    rng = np.random.default_rng(3)
    for energy in rng.uniform(0, mech.rollover_wh, 500):
        reading = mech.reading(energy)
        pos = mech.roller_positions(energy)
        assert len(pos) == 7
        assert all(0.0 <= p < 10.0 for p in pos)
        # The whole digit under each window is the counter's digit.
        assert "".join(str(math.floor(p)) for p in pos) == reading


def test_disc_turns_75_times_per_kwh() -> None:
    mech = MeterMechanics()
    assert mech.disc_revolutions(2000.0) == pytest.approx(150.0)
    assert mech.disc_angle_deg(1000.0 / 75 * 0.25) == pytest.approx(90.0)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        MeterMechanics(n_rollers=3, decimals=3)
    with pytest.raises(ValueError):
        MeterMechanics(carry="sudden")  # type: ignore[arg-type]
