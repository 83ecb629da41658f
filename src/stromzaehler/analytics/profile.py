"""Load profile figures from quarter-hour energies: base load, peaks, day profiles, heatmap,
projection to a year and comparison with the BDEW household profile.

Pure numpy; input is a dense run of UTC quarter hours with energy and quality.
Estimated quarters (linear spreads over a gap) count for energy but not for peak and base load,
because a spread hides the real shape of the load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from .consumption import MEASURED, MISSING, QUARTER_S
from .h0 import h0_power_w, is_holiday
from .periods import bucket_boundaries, format_instants, local_date, local_fields

NIGHT_END_S = 5 * 3600  # base load: 00:00 to 05:00 local, when little else runs
BASE_LOAD_PERCENTILE = 5.0
HOURS_PER_YEAR = 365.25 * 24
SEASONS = ("winter", "transition", "summer")
DAY_KINDS = ("weekday", "weekend")  # weekend includes national public holidays


@dataclass(frozen=True)
class QuarterSeries:
    """Dense quarter hours [start_utc + 900 k, + 900): energy (0 where missing) and quality."""

    start_utc: int
    energy_wh: np.ndarray
    quality: np.ndarray

    @property
    def quarter_utc(self) -> np.ndarray:
        return self.start_utc + QUARTER_S * np.arange(self.energy_wh.size, dtype=np.int64)

    @property
    def end_utc(self) -> int:
        return self.start_utc + QUARTER_S * int(self.energy_wh.size)


def season_of(month: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
    """BDEW seasons: winter 1 Nov - 20 Mar, summer 15 May - 14 Sep, transition otherwise.
    Returns indices into SEASONS."""
    key = month * 100 + day_of_month
    winter = (key >= 1101) | (key <= 320)
    summer = (key >= 515) & (key <= 914)
    return np.where(winter, 0, np.where(summer, 2, 1))


def _mean_or_none(total: np.ndarray, count: np.ndarray, scale: float = 1.0) -> list[float | None]:
    return [
        round(float(t) / float(c) * scale, 1) if c else None
        for t, c in zip(total.tolist(), count.tolist(), strict=True)
    ]


def _day_profiles(
    power_w: np.ndarray, season: np.ndarray, weekend: np.ndarray, quarter: np.ndarray,
    usable: np.ndarray,
) -> dict[str, dict[str, list[float | None]]]:
    profiles: dict[str, dict[str, list[float | None]]] = {}
    for s_index, season_name in enumerate(SEASONS):
        profiles[season_name] = {}
        for k_index, kind in enumerate(DAY_KINDS):
            mask = usable & (season == s_index) & (weekend == k_index)
            total = np.bincount(quarter[mask], weights=power_w[mask], minlength=96)
            count = np.bincount(quarter[mask], minlength=96)
            profiles[season_name][kind] = _mean_or_none(total, count)
    return profiles


def _heatmap(series: QuarterSeries, day_number: np.ndarray, hour: np.ndarray) -> dict[str, Any]:
    first_day = int(day_number.min())
    days = int(day_number.max()) - first_day + 1
    cell = (day_number - first_day) * 24 + hour
    present = series.quality != MISSING
    energy = np.bincount(cell, weights=series.energy_wh * present, minlength=days * 24)
    quarters = np.bincount(cell, minlength=days * 24)
    missing = np.bincount(cell, weights=~present, minlength=days * 24)
    kwh: list[list[float | None]] = []
    for d in range(days):
        row = slice(d * 24, d * 24 + 24)
        kwh.append([
            round(e / 1000, 3) if q and not m else None
            for e, q, m in zip(energy[row].tolist(), quarters[row].tolist(),
                               missing[row].tolist(), strict=True)
        ])
    return {
        "dates": [local_date(first_day + d).isoformat() for d in range(days)],
        "hours": list(range(24)),
        "kwh": kwh,
    }


def _h0_year_kwh(start_utc: int, zone: ZoneInfo) -> float:
    """Energy of the 1000 kWh/a H0 profile over the local year starting with start_utc's year."""
    year = bucket_boundaries("year", start_utc, start_utc + 1, zone)
    quarters = np.arange(year[0], year[1], QUARTER_S, dtype=np.int64)
    return float(h0_power_w(quarters, zone).sum()) / 4 / 1000


def load_profile(
    series: QuarterSeries, zone: ZoneInfo, previous: QuarterSeries | None = None
) -> dict[str, Any]:
    """All figures of one range as a JSON-ready dict (powers in W, energies in kWh)."""
    fields = local_fields(series.quarter_utc, zone)
    present = series.quality != MISSING
    measured = series.quality == MEASURED
    power_w = series.energy_wh * (3600 / QUARTER_S)
    covered_h = present.sum() * QUARTER_S / 3600
    energy_wh = int(series.energy_wh[present].sum())
    quarter = (fields.second_of_day // QUARTER_S).astype(np.int64)
    hour = (fields.second_of_day // 3600).astype(np.int64)
    dates = fields.day_number.astype("datetime64[D]")
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    season = season_of(fields.month, day_of_month)
    weekend = ((fields.weekday >= 5) | is_holiday(fields.day_number)).astype(np.int64)
    bounds = format_instants(np.array([series.start_utc, series.end_utc]), zone)

    result: dict[str, Any] = {
        "from": bounds[0],
        "to": bounds[1],
        "timezone": zone.key,
        "energy_kwh": round(energy_wh / 1000, 3),
        "coverage": round(float(present.mean()), 4) if present.size else 0.0,
        "estimated_share": round(float((present & ~measured).sum() / max(present.sum(), 1)), 4),
        "mean_power_w": round(energy_wh / covered_h, 1) if covered_h else None,
        "peak_power_w": None,
        "peak_at": None,
        "base_load_w": None,
        "projected_annual_kwh": None,
        "projected_annual_kwh_linear": None,
    }
    if measured.any():
        peak = int(np.argmax(np.where(measured, power_w, -np.inf)))
        result["peak_power_w"] = round(float(power_w[peak]), 1)
        result["peak_at"] = format_instants(series.quarter_utc[[peak]], zone)[0]
    night = measured & (fields.second_of_day < NIGHT_END_S)
    if night.any():
        result["base_load_w"] = round(float(np.percentile(power_w[night],
                                                         BASE_LOAD_PERCENTILE)), 1)
    result["day_profiles_w"] = _day_profiles(power_w, season, weekend, quarter, present)
    result["heatmap"] = _heatmap(series, fields.day_number, hour)

    h0_w = h0_power_w(series.quarter_utc, zone)
    h0_covered_wh = float(h0_w[present].sum()) / 4
    comparison: dict[str, Any] = {"scale_kwh_per_year": None}
    if h0_covered_wh > 0 and energy_wh > 0:
        scale = energy_wh / h0_covered_wh  # times the 1000 kWh/a reference household
        result["projected_annual_kwh"] = round(scale * _h0_year_kwh(series.start_utc, zone), 1)
        result["projected_annual_kwh_linear"] = round(energy_wh / covered_h * HOURS_PER_YEAR
                                                      / 1000, 1)
        scaled_h0_w = h0_w * scale
        measured_day = np.bincount(quarter[present], weights=power_w[present], minlength=96)
        h0_day = np.bincount(quarter[present], weights=scaled_h0_w[present], minlength=96)
        count = np.bincount(quarter[present], minlength=96)
        correlation = (
            float(np.corrcoef(power_w[present], scaled_h0_w[present])[0, 1])
            if present.sum() > 2 and np.std(power_w[present]) > 0 else None
        )
        comparison = {
            "scale_kwh_per_year": round(scale * 1000, 1),
            "measured_day_w": _mean_or_none(measured_day, count),
            "h0_day_w": _mean_or_none(h0_day, count),
            "correlation": None if correlation is None else round(correlation, 3),
        }
    result["h0"] = comparison

    if previous is not None:
        prev_present = previous.quality != MISSING
        prev_wh = int(previous.energy_wh[prev_present].sum())
        prev_h = prev_present.sum() * QUARTER_S / 3600
        # Compared as mean power over the covered time, so a gap in one period does not
        # show up as a change in consumption.
        now_w = energy_wh / covered_h if covered_h else 0.0
        prev_w = prev_wh / prev_h if prev_h else 0.0
        prev_bounds = format_instants(np.array([previous.start_utc, previous.end_utc]), zone)
        result["previous"] = {
            "from": prev_bounds[0],
            "to": prev_bounds[1],
            "energy_kwh": round(prev_wh / 1000, 3),
            "coverage": round(float(prev_present.mean()), 4) if prev_present.size else 0.0,
            "change_percent": round((now_w - prev_w) / prev_w * 100, 1)
            if prev_w > 0 and now_w > 0 else None,
        }
    return result
