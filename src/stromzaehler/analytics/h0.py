"""BDEW household standard load profile (H25, the 2025 revision of H0), without pandas.

The shipped table (h0_profile.csv, written by scripts/generate_h0.py from demandlib) holds the
mean power of a household using 1000 kWh a year per local quarter hour, month and day type;
the day-of-year dynamisation polynomial of the BDEW method is applied here. The nine public
holidays of all German states count as Sundays, as the BDEW method does; holidays of single
states do not (the settings do not say which state).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np

from .periods import local_fields

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

REFERENCE_ANNUAL_KWH = 1000.0
_DAY_TYPES = 3  # workday, Saturday, Sunday/holiday


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """W per 1000 kWh/a, indexed [month - 1, day type, quarter of day]."""
    text = resources.files(__package__).joinpath("h0_profile.csv").read_text()
    rows = list(csv.reader(text.splitlines()))[1:]
    values = np.array([[float(v) for v in row[1:]] for row in rows])  # (96, 36)
    return values.T.reshape(12, _DAY_TYPES, 96)


def _dynamisation(day_of_year: np.ndarray) -> np.ndarray:
    d = day_of_year.astype(float)
    return -3.92e-10 * d**4 + 3.2e-7 * d**3 - 7.02e-5 * d**2 + 0.0021 * d + 1.24


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """Public holidays of all German states in `year`."""
    easter = easter_sunday(year)
    moving = [easter + timedelta(days=offset) for offset in (-2, 1, 39, 50)]
    fixed = [date(year, month, day) for month, day in ((1, 1), (5, 1), (10, 3), (12, 25),
                                                        (12, 26))]
    return frozenset(moving + fixed)


def is_holiday(day_number: np.ndarray) -> np.ndarray:
    """Per local day (days since 1970-01-01): is it a national German public holiday?"""
    days = np.asarray(day_number, dtype=np.int64)
    if days.size == 0:
        return np.zeros(0, dtype=bool)
    first = date.fromordinal(int(days.min()) + _EPOCH_ORDINAL).year
    last = date.fromordinal(int(days.max()) + _EPOCH_ORDINAL).year
    holidays = np.array(
        [h.toordinal() - _EPOCH_ORDINAL for y in range(first, last + 1)
         for h in national_holidays(y)],
        dtype=np.int64,
    )
    return np.isin(days, holidays)


def h0_power_w_local(
    month: np.ndarray,
    weekday: np.ndarray,
    day_of_year: np.ndarray,
    quarter_of_day: np.ndarray,
    holiday: np.ndarray | None = None,
) -> np.ndarray:
    """H25 power in W for 1000 kWh/a from local calendar fields (weekday 0 = Monday)."""
    sunday = weekday == 6 if holiday is None else (weekday == 6) | holiday
    day_type = np.where(sunday, 2, np.where(weekday == 5, 1, 0))
    base = _table()[np.asarray(month) - 1, day_type, np.clip(quarter_of_day, 0, 95)]
    return base * _dynamisation(np.asarray(day_of_year))


def h0_power_w(quarter_utc: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """H25 power in W for 1000 kWh/a during the quarter hours starting at quarter_utc."""
    fields = local_fields(quarter_utc, zone)
    return h0_power_w_local(
        fields.month, fields.weekday, fields.day_of_year, fields.second_of_day // 900,
        is_holiday(fields.day_number),
    )
