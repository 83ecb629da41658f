"""Battery dispatch and the planner's figures: energy balance, monotonic autarky, limits."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stromzaehler.analytics.pv.battery import Battery, clipped_running_sum, dispatch
from stromzaehler.analytics.pv.economics import Prices, payback_years
from stromzaehler.analytics.pv.load import LoadYear
from stromzaehler.analytics.pv.planner import System, plan, pv_steps, pv_w_per_hour
from stromzaehler.analytics.pv.pvmodel import PvArray
from stromzaehler.analytics.pv.sweep import parse_values, sweep
from stromzaehler.analytics.pv.weather import try_weather

ZONE = ZoneInfo("Europe/Berlin")
YEAR_START = 1767222000  # 2026-01-01 00:00 in Berlin

energies = st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(pv=energies, load=energies, capacity=st.floats(0, 20), power=st.floats(0, 10),
       round_trip=st.floats(0.5, 1.0), cap_kw=st.one_of(st.just(np.inf), st.floats(0, 10)),
       step_h=st.sampled_from([1 / 60, 0.25, 1.0]))
def test_energy_balance_closes_for_random_systems(pv, load, capacity, power, round_trip,
                                                  cap_kw, step_h):
    n = min(len(pv), len(load))
    pv_a, load_a = np.array(pv[:n]), np.array(load[:n])
    flows = dispatch(pv_a, load_a, step_h, np.array([capacity]), np.array([power]), round_trip,
                     np.array([cap_kw]))
    total = lambda name: float(getattr(flows, name).sum())  # noqa: E731
    tolerance = 1e-9 + 1e-9 * (pv_a.sum() + load_a.sum())
    assert abs(load_a.sum() - (total("direct") + total("discharge") + total("grid_import"))) \
        <= tolerance
    assert abs(pv_a.sum() - (total("direct") + total("charge") + total("feed_in")
                             + total("curtailed"))) <= tolerance
    for name in ("direct", "charge", "discharge", "feed_in", "curtailed", "grid_import"):
        assert getattr(flows, name).min() >= -1e-9
    assert flows.charge.max(initial=0) <= power * step_h + 1e-9
    assert flows.discharge.max(initial=0) <= power * step_h + 1e-9
    assert flows.feed_in.max(initial=0) <= cap_kw * step_h + 1e-9
    assert flows.soc.min() >= 0 and flows.soc.max() <= capacity + 1e-9
    # Round trip: what comes out plus what is left never exceeds what went in, after losses.
    assert total("discharge") <= total("charge") * round_trip + 1e-9


@settings(max_examples=50, deadline=None)
@given(x=st.lists(st.floats(-5, 5), min_size=1, max_size=200), capacity=st.floats(0, 10))
def test_one_system_and_many_columns_clip_alike(x, capacity):
    values = np.array(x)[:, None]
    one = clipped_running_sum(values, np.array([capacity]), np.array([0.0]))
    many = clipped_running_sum(np.repeat(values, 3, axis=1), np.full(3, capacity), np.zeros(3))
    np.testing.assert_allclose(many, np.repeat(one, 3, axis=1))


@settings(max_examples=60, deadline=None)
@given(days=st.lists(st.tuples(st.floats(0.1, 3), st.floats(0, 8), st.floats(0, 3)),
                     min_size=1, max_size=30))
def test_a_battery_larger_than_any_days_surplus_equals_one_twice_as_large(days):
    # Each day: a morning deficit, a midday surplus, an evening deficit larger than the surplus,
    # so the battery is empty again every morning.
    pv, load = [], []
    for morning, surplus, extra in days:
        evening = surplus + extra + 0.1
        pv += [0.0, surplus + 1.0, 0.0]
        load += [morning, 1.0, evening]
    pv_a, load_a = np.array(pv), np.array(load)
    largest = max(s for _, s, _ in days) + 0.01
    results = [dispatch(pv_a, load_a, 1.0, np.array([c]), np.array([1e6]), 0.9,
                        np.array([np.inf])) for c in (largest, 2 * largest)]
    for name in ("direct", "charge", "discharge", "feed_in", "grid_import"):
        np.testing.assert_allclose(getattr(results[0], name), getattr(results[1], name))


def h25_like_year() -> LoadYear:
    """A year of quarters with a day shape (evening peak), 3,500 kWh; for the sweep tests."""
    quarters = 365 * 96
    of_day = np.arange(quarters) % 96
    shape = 0.3 + np.exp(-((of_day - 76) / 8.0) ** 2) + 0.5 * np.exp(-((of_day - 30) / 6.0) ** 2)
    kwh = shape / shape.sum() * 3500.0
    return LoadYear(YEAR_START, kwh, np.zeros(quarters, dtype=np.int8))


@pytest.fixture(scope="module")
def kassel_grid():
    year = h25_like_year()
    weather = try_weather(7)
    pv1 = pv_steps(pv_w_per_hour(weather, (PvArray(1.0, 35, 180),)), weather, year.start_utc,
                   year.quarter_kwh.size, 900)
    return sweep(pv1, year.quarter_kwh, 900, parse_values("0-10:2", "kwp"),
                 parse_values("0,2.5,5,10,15", "battery"), 0.9, 100.0, Prices())


def test_autarky_never_falls_when_kwp_or_battery_grows(kassel_grid):
    autarky = np.array(kassel_grid["autarky"])
    assert np.all(np.diff(autarky, axis=0) >= -1e-6)
    assert np.all(np.diff(autarky, axis=1) >= -1e-6)


def test_zero_kwp_gives_zero_autarky(kassel_grid):
    assert kassel_grid["kwp"][0] == 0
    assert kassel_grid["autarky"][0] == [0.0] * len(kassel_grid["battery_kwh"])


def test_grid_keys_and_shape(kassel_grid):
    assert set(kassel_grid) == {"kwp", "battery_kwh", "autarky", "self_consumption",
                                "savings_eur", "payback_years"}
    for key in ("autarky", "self_consumption", "savings_eur", "payback_years"):
        assert len(kassel_grid[key]) == len(kassel_grid["kwp"])
        assert all(len(row) == len(kassel_grid["battery_kwh"]) for row in kassel_grid[key])


@pytest.mark.parametrize("resolution", ["15min", "60min"])
def test_yearly_and_monthly_figures_balance(resolution):
    system = System((PvArray(6.0, 30, 180),), Battery(5.0), feed_in_cap_pct=60)
    result = plan(system, h25_like_year(), try_weather(7), Prices(), resolution, ZONE)
    for figures in [result.year, *result.months]:
        load = figures["direct_kwh"] + figures["discharge_kwh"] + figures["import_kwh"]
        pv = (figures["direct_kwh"] + figures["charge_kwh"] + figures["feed_in_kwh"]
              + figures["curtailed_kwh"])
        assert load == pytest.approx(figures["load_kwh"], rel=1e-3, abs=0.02)
        assert pv == pytest.approx(figures["pv_kwh"], rel=1e-3, abs=0.02)
    assert result.year["curtailed_kwh"] > 0  # 60 % of 6 kWp is below the summer noon peak
    assert sum(m["load_kwh"] for m in result.months) == pytest.approx(result.year["load_kwh"],
                                                                      rel=1e-4)
    assert [m["month"] for m in result.months][:2] == ["2026-01", "2026-02"]


def test_zero_export_limit_feeds_nothing_in():
    system = System((PvArray(8.0, 30, 180),), Battery(0.0), feed_in_cap_pct=0)
    result = plan(system, h25_like_year(), try_weather(7), Prices(), "60min", ZONE)
    assert result.year["feed_in_kwh"] == 0
    assert result.year["curtailed_kwh"] > 0


def test_payback_counts_years_of_savings():
    prices = Prices(price_eur_kwh=0.4, feed_in_eur_kwh=0.0, price_increase=0.0)
    assert payback_years(4000.0, 1000.0, 0.0, prices) == 10.0
    assert payback_years(4000.0, 0.0, 0.0, prices) is None
    rising = Prices(price_eur_kwh=0.4, feed_in_eur_kwh=0.0, price_increase=0.05)
    assert payback_years(4000.0, 1000.0, 0.0, rising) < 10.0


@pytest.mark.parametrize("text", ["", "a-b", "5-1", "1-3:0", "-1,2"])
def test_bad_grid_values_are_refused(text):
    with pytest.raises(ValueError):
        parse_values(text, "kwp-grid")
