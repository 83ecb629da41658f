"""Household load: deterministic per seed, independent of the window, energy is the integral."""

import datetime as dt

import numpy as np
import pytest

from stromzaehler.simulator.household import SECONDS_PER_DAY, HouseholdModel

JAN_2025 = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp())


def test_power_does_not_depend_on_the_window_asked_for() -> None:
    model = HouseholdModel(seed=5)
    t = JAN_2025 + 40 * SECONDS_PER_DAY + 19 * 3600
    minute = model.power_series_w(t - 30, t + 30)
    fresh = HouseholdModel(seed=5)
    three_days = fresh.power_series_w(t - SECONDS_PER_DAY, t + 2 * SECONDS_PER_DAY)
    assert np.array_equal(minute, three_days[SECONDS_PER_DAY - 30:SECONDS_PER_DAY + 30])
    assert HouseholdModel(seed=5).power_w(t) == pytest.approx(minute[30], rel=1e-9)


def test_same_seed_same_load_other_seed_other_load() -> None:
    day = JAN_2025 // SECONDS_PER_DAY + 3
    a = HouseholdModel(seed=1).day(day).power_per_second_w()
    b = HouseholdModel(seed=1).day(day).power_per_second_w()
    c = HouseholdModel(seed=2).day(day).power_per_second_w()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_energy_is_the_integral_of_power() -> None:
    model = HouseholdModel(seed=3)
    t0 = JAN_2025 + 100 * SECONDS_PER_DAY + 5000
    t1 = t0 + 2 * SECONDS_PER_DAY + 777
    integral_wh = model.power_series_w(t0, t1).sum() / 3600.0
    assert model.energy_between_wh(t0, t1) == pytest.approx(integral_wh, rel=1e-9)


def test_fractional_seconds_interpolate_energy_linearly() -> None:
    model = HouseholdModel(seed=3)
    t = JAN_2025 + 12.0 * 3600
    step = model.energy_between_wh(t, t + 1.0)
    assert model.energy_between_wh(t, t + 0.25) == pytest.approx(step / 4)
    assert step == pytest.approx(model.power_w(t) / 3600.0)


@pytest.mark.parametrize("seed", [0, 11])
def test_a_year_lands_within_two_percent_of_the_annual_energy(seed: int) -> None:
    model = HouseholdModel(seed=seed, annual_kwh=4200.0)
    start = JAN_2025 + 95 * SECONDS_PER_DAY
    energy_kwh = model.energy_between_wh(start, start + 365 * SECONDS_PER_DAY) / 1000.0
    assert energy_kwh == pytest.approx(4200.0, rel=0.02)


def test_day_has_base_load_and_appliance_peaks() -> None:
    model = HouseholdModel(seed=0)
    power = model.power_series_w(JAN_2025 + 14 * SECONDS_PER_DAY, JAN_2025 + 21 * SECONDS_PER_DAY)
    assert power.min() > 20.0                     # standby and fridges never stop entirely
    assert power.max() > 2000.0                   # kettle, hob, heating phases
    night = power.reshape(7, 24, 3600)[:, 1:4].mean()
    evening = power.reshape(7, 24, 3600)[:, 17:20].mean()   # 18-21 h local in winter
    assert evening > 2.5 * night


def test_winter_uses_more_than_summer() -> None:
    model = HouseholdModel(seed=0)
    january = model.energy_between_wh(JAN_2025, JAN_2025 + 28 * SECONDS_PER_DAY)
    june = JAN_2025 + 151 * SECONDS_PER_DAY
    assert january > 1.1 * model.energy_between_wh(june, june + 28 * SECONDS_PER_DAY)


def test_bad_annual_energy_is_refused() -> None:
    with pytest.raises(ValueError):
        HouseholdModel(annual_kwh=0)


def _daily_energy_kwh(model: HouseholdModel, start_utc: int, days: int) -> np.ndarray:
    first = start_utc // SECONDS_PER_DAY
    return np.array([model.day(first + k).energy_wh / 1000 for k in range(days)])


def test_holiday_absence_shows_as_a_low_fortnight_in_summer() -> None:
    model = HouseholdModel(seed=0)
    daily = _daily_energy_kwh(model, JAN_2025, 365)
    fortnights = np.convolve(daily, np.ones(14) / 14, mode="valid")
    lowest = int(np.argmin(fortnights))
    assert 170 <= lowest <= 235                    # starts in July or August
    assert fortnights[lowest] < 0.7 * daily.mean()


def test_workday_mornings_start_earlier_than_weekends() -> None:
    model = HouseholdModel(seed=0)
    # Local 06:00-07:00 is 05:00-06:00 UTC in winter; 2025-01-06 is a Monday.
    monday = JAN_2025 + 5 * SECONDS_PER_DAY
    workday, weekend = [], []
    for week in range(8):
        for k in range(7):
            day = monday + (7 * week + k) * SECONDS_PER_DAY
            early = model.power_series_w(day + 5 * 3600, day + 6 * 3600).mean()
            (weekend if k >= 5 else workday).append(early)
    assert np.mean(workday) > 1.3 * np.mean(weekend)
