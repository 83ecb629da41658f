"""The household's load for one planning year, from its own recorded consumption.

Quarter hours come from the store's pre-aggregate (aggregate.consumption, 15 min). Minutes are
real only where the disc shaped them (store revolutions); there the planner uses the minute
buckets, elsewhere a quarter's energy is spread evenly over its minutes.

Missing quarters inside the recorded span are gaps: filled from the household's own mean
profile (same BDEW season, weekday or weekend/holiday, quarter of the day), scaled to the month.
Quarters the counter bridged over a gap in the readings (estimated) keep their energy and take
the same profile's shape.
Before or after the recording (less than a year), the year is completed the same way in months
the household has data for, else from the H25 standard profile scaled to the household's
measured consumption. Every part is counted: data_quality says how much was measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..consumption import ESTIMATED, MEASURED, MISSING, QUARTER_S
from ..disc_power import SOURCE_DISC
from ..h0 import h0_power_w, is_holiday
from ..periods import local_fields
from ..profile import season_of

YEAR_QUARTERS = 365 * 96
MINUTES_PER_QUARTER = 15
MINUTE_CHUNK_S = 7 * 86400  # minute buckets a week at a time (periods.MAX_RANGE_S: 31 days)
# What each quarter of the planning year is made of (ESTIMATED: a gap in the readings the
# counter bridges, so its energy is measured and its shape taken from the household's profile).
ORIGIN_MEASURED, ORIGIN_ESTIMATED, ORIGIN_GAP, ORIGIN_OWN_MONTHS, ORIGIN_H25 = 0, 1, 2, 3, 4


class LoadError(ValueError):
    """Nothing recorded to plan with."""


@dataclass
class LoadYear:
    """365 days of quarter hours from start_utc (kWh per quarter), optionally minutes."""

    start_utc: int
    quarter_kwh: np.ndarray
    origin: np.ndarray  # ORIGIN_* per quarter
    minute_kwh: np.ndarray | None = None  # 525,600 minutes where the disc gives real minutes
    disc_quarters: np.ndarray | None = None  # per quarter: were its minutes real?

    @property
    def total_kwh(self) -> float:
        return float(self.quarter_kwh.sum())

    def data_quality(self) -> dict[str, Any]:
        total = self.total_kwh or 1.0

        def share(code: int) -> float:
            return round(float(self.quarter_kwh[self.origin == code].sum()) / total, 4)

        minute_share = 0.0
        if self.disc_quarters is not None:
            minute_share = round(float(self.quarter_kwh[self.disc_quarters].sum()) / total, 4)
        return {
            "measured_share": share(ORIGIN_MEASURED),
            "estimated_share": share(ORIGIN_ESTIMATED),
            "gap_filled_share": share(ORIGIN_GAP),
            "completed_own_months_share": share(ORIGIN_OWN_MONTHS),
            "completed_h25_share": share(ORIGIN_H25),
            "gap_quarters": int(np.count_nonzero(self.origin == ORIGIN_GAP)),
            "minute_share": minute_share,
            "finest_resolution": "1min" if minute_share > 0 else "15min",
            "load_kwh": round(self.total_kwh, 1),
        }


def _keys(quarter_utc: np.ndarray, zone: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """(profile key: season x day kind x quarter of day, month index 0..11) per quarter."""
    fields = local_fields(quarter_utc, zone)
    day_of_month = (fields.day_number.astype("datetime64[D]")
                    - fields.day_number.astype("datetime64[D]").astype("datetime64[M]")
                    ).astype(np.int64) + 1
    season = season_of(fields.month, day_of_month)
    weekend = (fields.weekday >= 5) | is_holiday(fields.day_number)
    quarter_of_day = np.clip(fields.second_of_day // QUARTER_S, 0, 95)
    return (season * 2 + weekend.astype(np.int64)) * 96 + quarter_of_day, fields.month - 1


def fill_year(start_utc: int, energy_wh: np.ndarray, quality: np.ndarray, zone: ZoneInfo
              ) -> LoadYear:
    """The planning year from dense quarters (energy_wh, quality per consumption.MEASURED...)."""
    energy = np.asarray(energy_wh, dtype=np.float64)
    quality = np.asarray(quality)
    measured = quality == MEASURED
    if not np.any(measured):
        raise LoadError("no measured consumption in the planning year: record for a while first")
    quarter_utc = start_utc + QUARTER_S * np.arange(energy.size, dtype=np.int64)
    key, month = _keys(quarter_utc, zone)
    total = np.bincount(key[measured], weights=energy[measured], minlength=576)
    count = np.bincount(key[measured], minlength=576)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    own_predicted = np.bincount(month[measured], weights=np.nan_to_num(own[key[measured]]),
                                minlength=12)
    month_measured = np.bincount(month[measured], weights=energy[measured], minlength=12)
    with np.errstate(invalid="ignore", divide="ignore"):
        month_ratio = np.where(own_predicted > 0, month_measured / own_predicted, np.nan)
    h25_wh = h0_power_w(quarter_utc, zone) * QUARTER_S / 3600.0  # for 1000 kWh/a
    h25_scale = energy[measured].sum() / h25_wh[measured].sum()
    missing = quality == MISSING
    from_own = own[key] * month_ratio[month]
    use_own = missing & np.isfinite(from_own)
    filled = np.where(use_own, from_own, h25_wh * h25_scale)
    result = np.where(missing, filled, energy)
    # Estimated quarters are a linear spread of a counter difference over a gap in the
    # readings: the energy is right, the shape is not. Each run keeps its energy and takes the
    # household's own shape (H25 where the profile has no such quarter).
    estimated = quality == ESTIMATED
    if np.any(estimated):
        shape = np.where(np.isfinite(own[key]), own[key], h25_wh * h25_scale)
        run = np.cumsum(estimated & ~np.concatenate(([False], estimated[:-1]))) * estimated
        run_energy = np.bincount(run, weights=np.where(estimated, energy, 0.0))
        run_shape = np.bincount(run, weights=np.where(estimated, shape, 0.0))
        ratio = np.divide(run_energy, run_shape, out=np.zeros_like(run_energy),
                          where=run_shape > 0)
        result = np.where(estimated, shape * ratio[run], result)
    known = np.flatnonzero(~missing)
    inside = np.zeros(energy.size, dtype=bool)
    inside[known[0]:known[-1] + 1] = True
    origin = np.full(energy.size, ORIGIN_MEASURED, dtype=np.int8)
    origin[quality == ESTIMATED] = ORIGIN_ESTIMATED
    origin[missing & inside] = ORIGIN_GAP
    origin[missing & ~inside & use_own] = ORIGIN_OWN_MONTHS
    origin[missing & ~inside & ~use_own] = ORIGIN_H25
    # A gap in a key the household never showed falls back to H25 as well; it stays a gap.
    return LoadYear(start_utc, result / 1000.0, origin)


def with_minutes(year: LoadYear, minute_wh: np.ndarray | None, minute_is_disc: np.ndarray | None
                 ) -> LoadYear:
    """Minutes of the year: the disc's own minute buckets where every minute of a measured
    quarter is disc-shaped, else the quarter's energy spread evenly over its 15 minutes."""
    spread = np.repeat(year.quarter_kwh / MINUTES_PER_QUARTER, MINUTES_PER_QUARTER)
    disc_quarters = np.zeros(year.quarter_kwh.size, dtype=bool)
    if minute_wh is not None and minute_is_disc is not None:
        per_quarter = np.asarray(minute_is_disc, bool).reshape(-1, MINUTES_PER_QUARTER)
        disc_quarters = per_quarter.all(axis=1) & (year.origin == ORIGIN_MEASURED)
        minutes = np.asarray(minute_wh, dtype=np.float64).reshape(-1, MINUTES_PER_QUARTER)
        # The disc gives the shape; the quarter keeps its energy, so resolutions compare.
        sums = minutes.sum(axis=1, keepdims=True)
        shaped = np.where(sums > 0, minutes / np.where(sums > 0, sums, 1.0), 1.0 / 15)
        shaped *= year.quarter_kwh[:, None]
        real = np.repeat(disc_quarters, MINUTES_PER_QUARTER)
        spread = np.where(real, shaped.reshape(-1), spread)
    return LoadYear(year.start_utc, year.quarter_kwh, year.origin, spread, disc_quarters)


def minute_disc_mask(source: np.ndarray | None, quality: np.ndarray) -> np.ndarray:
    """Per minute bucket: did the disc shape it (and is it measured)?"""
    if source is None:
        return np.zeros(np.size(quality), dtype=bool)
    return (np.asarray(source) == SOURCE_DISC) & (np.asarray(quality) == MEASURED)


def load_from_store(source: Any, model: Any, zone: ZoneInfo, end_utc: int, minutes: bool,
                    ignore_before_utc: int | None = None) -> LoadYear:
    """The 365 days up to end_utc (floored to a whole hour, so that hourly sums compare) from
    the store's consumption; recordings before ignore_before_utc count as not recorded."""
    from ..aggregate import consumption

    end = end_utc // 3600 * 3600
    start = end - YEAR_QUARTERS * QUARTER_S
    quarters = consumption(source, "15min", start, end, zone, model)
    quality = np.array(quarters.quality)
    if ignore_before_utc is not None:
        quality[quarters.bounds_utc[:-1] < ignore_before_utc] = MISSING
    year = fill_year(start, quarters.energy_wh, quality, zone)
    if not minutes:
        return year
    if not source.has_revolutions(start, end):
        return with_minutes(year, None, None)
    minute_wh = np.zeros(YEAR_QUARTERS * MINUTES_PER_QUARTER)
    is_disc = np.zeros(minute_wh.size, dtype=bool)
    for chunk_start in range(start, end, MINUTE_CHUNK_S):
        chunk_end = min(chunk_start + MINUTE_CHUNK_S, end)
        if not source.has_revolutions(chunk_start, chunk_end):
            continue
        buckets = consumption(source, "minute", chunk_start, chunk_end, zone, model)
        lo = (chunk_start - start) // 60
        minute_wh[lo:lo + buckets.energy_wh.size] = buckets.energy_wh
        is_disc[lo:lo + buckets.energy_wh.size] = minute_disc_mask(buckets.source,
                                                                   buckets.quality)
    return with_minutes(year, minute_wh, is_disc)
