"""BDEW household standard load profile (H25, the 2025 revision of H0), without pandas.

The shipped table (h0_profile.csv, written by scripts/generate_h0.py from demandlib) holds the
mean power of a household using 1000 kWh a year per local quarter hour, month and day type;
the day-of-year dynamisation polynomial of the BDEW method is applied here. Public holidays are
not known (they differ by German state), so they count as the weekday they fall on.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np

from .periods import local_fields

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


def h0_power_w_local(
    month: np.ndarray, weekday: np.ndarray, day_of_year: np.ndarray, quarter_of_day: np.ndarray
) -> np.ndarray:
    """H25 power in W for 1000 kWh/a from local calendar fields (weekday 0 = Monday)."""
    day_type = np.where(weekday == 6, 2, np.where(weekday == 5, 1, 0))
    base = _table()[np.asarray(month) - 1, day_type, np.clip(quarter_of_day, 0, 95)]
    return base * _dynamisation(np.asarray(day_of_year))


def h0_power_w(quarter_utc: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """H25 power in W for 1000 kWh/a during the quarter hours starting at quarter_utc."""
    fields = local_fields(quarter_utc, zone)
    return h0_power_w_local(
        fields.month, fields.weekday, fields.day_of_year, fields.second_of_day // 900
    )
