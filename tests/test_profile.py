"""Load profile figures and the shipped BDEW H0 (H25) table."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics.consumption import ESTIMATED, MEASURED, MISSING
from stromzaehler.analytics.h0 import h0_power_w
from stromzaehler.analytics.profile import QuarterSeries, load_profile, season_of

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


YEAR_2026 = (utc("2026-01-01T00:00+01:00"), utc("2027-01-01T00:00+01:00"))


def constant(start: int, end: int, power_w: int) -> QuarterSeries:
    count = (end - start) // 900
    return QuarterSeries(start, np.full(count, power_w // 4, np.int64),
                         np.full(count, MEASURED, np.int8))


def test_h0_table_gives_about_1000_kwh_a_year_with_winter_above_summer():
    quarters = np.arange(*YEAR_2026, 900, dtype=np.int64)
    power_w = h0_power_w(quarters, BERLIN)
    # 995.0 kWh without holidays (printed by scripts/generate_h0.py); holidays count as Sundays
    assert 985 < power_w.sum() / 4 / 1000 < 1000
    january = power_w[: 31 * 96].mean()
    july = power_w[181 * 96: 212 * 96].mean()
    assert january > july > 0


def test_seasons_follow_bdew_dates():
    months = np.array([1, 3, 3, 5, 5, 9, 9, 11])
    days = np.array([15, 20, 21, 14, 15, 14, 15, 1])
    assert season_of(months, days).tolist() == [0, 0, 1, 1, 2, 2, 1, 0]


def test_constant_load_gives_flat_figures_and_dst_holes_in_the_heatmap():
    start, end = utc("2026-03-16T00:00+01:00"), utc("2026-04-06T00:00+02:00")
    result = load_profile(constant(start, end, 500), BERLIN)
    assert result["mean_power_w"] == 500.0
    assert result["peak_power_w"] == 500.0
    assert result["base_load_w"] == 500.0
    assert result["projected_annual_kwh_linear"] == round(500 * 365.25 * 24 / 1000, 1)
    assert result["coverage"] == 1.0
    profiles = result["day_profiles_w"]
    assert set(profiles["winter"]["weekday"]) == {500.0}
    assert set(profiles["transition"]["weekend"]) == {500.0}
    assert profiles["summer"]["weekday"] == [None] * 96
    heatmap = result["heatmap"]
    spring = heatmap["dates"].index("2026-03-29")
    assert heatmap["kwh"][spring][2] is None  # 02:00-03:00 does not exist that day
    assert heatmap["kwh"][spring][3] == 0.5
    assert result["from"] == "2026-03-16T00:00:00+01:00"
    assert result["to"] == "2026-04-06T00:00:00+02:00"


def test_load_shaped_like_h0_projects_to_its_annual_energy():
    quarters = np.arange(*YEAR_2026, 900, dtype=np.int64)
    power_w = h0_power_w(quarters, BERLIN) * 3.5  # a 3500 kWh/a H0 household
    march = slice(59 * 96, 90 * 96)
    series = QuarterSeries(int(quarters[march][0]), np.round(power_w[march] / 4).astype(np.int64),
                           np.full(31 * 96, MEASURED, np.int8))
    result = load_profile(series, BERLIN)
    year_kwh = power_w.sum() / 4 / 1000  # the profile's own year, holidays included
    assert abs(result["projected_annual_kwh"] - year_kwh) < 1
    assert result["h0"]["correlation"] > 0.99
    assert abs(result["h0"]["scale_kwh_per_year"] - 3500) < 5


def test_gaps_count_for_energy_but_not_for_peak_and_base_load():
    start = utc("2026-06-01T00:00+02:00")
    series = constant(start, start + 2 * 86400, 400)
    series.energy_wh[10:20] = 1000  # a spread over a gap, not a real peak
    series.quality[10:20] = ESTIMATED
    series.quality[100:110] = MISSING
    series.energy_wh[100:110] = 0
    result = load_profile(series, BERLIN)
    assert result["peak_power_w"] == 400.0
    assert 0 < result["estimated_share"] < 0.1
    assert result["coverage"] == round(1 - 10 / 192, 4)
    assert result["energy_kwh"] == round((182 * 100 + 10 * 900) / 1000, 3)


def test_previous_period_compares_mean_power_over_covered_time():
    start = utc("2026-06-08T00:00+02:00")
    now = constant(start, start + 7 * 86400, 600)
    before = constant(start - 7 * 86400, start, 400)
    before.quality[: 96 * 3] = MISSING  # half a week without data must not look like savings
    before.energy_wh[: 96 * 3] = 0
    result = load_profile(now, BERLIN, before)
    assert result["previous"]["change_percent"] == 50.0
    assert result["previous"]["from"] == "2026-06-01T00:00:00+02:00"


def test_national_holidays_of_2026():
    from datetime import date

    from stromzaehler.analytics.h0 import easter_sunday, is_holiday, national_holidays

    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2025) == date(2025, 4, 20)
    holidays = national_holidays(2026)
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25),
            date(2026, 10, 3), date(2026, 12, 25)} <= holidays
    assert len(holidays) == 9
    day = (date(2026, 5, 14) - date(1970, 1, 1)).days  # Ascension Day, a Thursday
    assert is_holiday(np.array([day, day + 1])).tolist() == [True, False]
    thursday = utc("2026-05-14T12:00+02:00")
    week_before = thursday - 7 * 86400
    assert h0_power_w(np.array([thursday]), BERLIN)[0] != h0_power_w(
        np.array([week_before]), BERLIN)[0]
