"""Household electrical load at 1-second resolution, deterministic per seed.

A day's load is a list of rectangular segments (start, end, power) drawn from an RNG seeded
with (seed, day index), so the power at any second is the same whichever window is asked
for. Energy is the exact integral of the segments, so a day's energy and the cumulative energy
up to any instant cost O(segments), not O(seconds).

Each calendar year is scaled so that its energy is `annual_kwh` times its share of 365.25 days.
The raw model lands near 3,500 kWh/a (seeds 0-7 in 2025 need factors of 1.035-1.067), so at
the default the appliances draw within 7 % of their nominal power.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

SECONDS_PER_DAY = 86_400
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 3), (12, 24), (12, 25), (12, 26), (12, 31)}
# Latitude of central Germany: day length swings between about 7.8 h and 16.6 h.
_DAY_LENGTH_MEAN_H = 12.2
_DAY_LENGTH_SWING_H = 4.4


@dataclass(frozen=True)
class DayLoad:
    """Load of one UTC day as segments; seconds are counted from 00:00 UTC of that day."""

    day_index: int
    starts_s: np.ndarray
    ends_s: np.ndarray
    power_w: np.ndarray

    @property
    def energy_wh(self) -> float:
        return float(np.dot(self.power_w, self.ends_s - self.starts_s)) / 3600.0

    def energy_until_wh(self, seconds: np.ndarray | float) -> np.ndarray | float:
        """Energy from the start of the day up to `seconds` into it (fractional seconds ok)."""
        s = np.asarray(seconds, dtype=np.float64)
        covered = np.clip(s[..., None] - self.starts_s, 0.0, (self.ends_s - self.starts_s))
        energy = (covered * self.power_w).sum(axis=-1) / 3600.0
        return float(energy) if np.ndim(seconds) == 0 else energy

    def power_at_w(self, seconds: float) -> float:
        on = (self.starts_s <= seconds) & (seconds < self.ends_s)
        return float(self.power_w[on].sum())

    def power_per_second_w(self) -> np.ndarray:
        """Mean power of every second of the day (86,400 values; segments are whole seconds)."""
        diff = np.zeros(SECONDS_PER_DAY + 1, dtype=np.float64)
        np.add.at(diff, self.starts_s.astype(np.int64), self.power_w)
        np.add.at(diff, self.ends_s.astype(np.int64), -self.power_w)
        return np.cumsum(diff[:SECONDS_PER_DAY])


class _Day:
    """Collects segments in local seconds of the day, then folds them onto the UTC day."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.powers: list[float] = []
        self._arrays: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add_arrays(self, starts_s: np.ndarray, durations_s: np.ndarray,
                   powers_w: np.ndarray) -> None:
        """Many segments at once, in local seconds of the day (the vectorised `add`)."""
        starts = np.round(starts_s)
        self._arrays.append((starts, starts + np.maximum(1.0, np.round(durations_s)),
                             np.asarray(powers_w, dtype=np.float64)))

    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(starts, ends, powers) of everything added, in local seconds."""
        parts = [(np.array(self.starts, np.float64), np.array(self.ends, np.float64),
                  np.array(self.powers, np.float64)), *self._arrays]
        starts, ends, powers = zip(*parts, strict=True)
        return np.concatenate(starts), np.concatenate(ends), np.concatenate(powers)

    def add(self, start_h: float, duration_s: float, power_w: float) -> None:
        start = round(start_h * 3600.0)
        duration = max(1, round(duration_s))
        self.starts.append(start)
        self.ends.append(start + duration)
        self.powers.append(power_w)

    def add_cycling(self, start_h: float, duration_s: float, power_w: float, duty: float,
                    period_s: float) -> None:
        """A thermostat: on for `duty` of each period (hob, oven, dryer heater)."""
        t = 0.0
        while t < duration_s:
            on_s = period_s * duty * self.rng.uniform(0.8, 1.2)
            self.add(start_h + t / 3600.0, min(on_s, duration_s - t), power_w)
            t += period_s * self.rng.uniform(0.85, 1.15)

    def fold(self, day_index: int, offset_s: int, scale: float) -> DayLoad:
        """Shift local seconds to UTC seconds of the day; wrap what falls outside the day."""
        starts, ends, powers = self.segments()
        starts, ends, powers = starts - offset_s, ends - offset_s, powers * scale
        shift = np.floor(starts / SECONDS_PER_DAY) * SECONDS_PER_DAY
        starts, ends = starts - shift, ends - shift
        spill = ends > SECONDS_PER_DAY
        # A segment running past midnight continues at the start of the same day (statistically
        # the same household a day later), so no energy is lost by the fold.
        extra_ends = np.minimum(ends[spill] - SECONDS_PER_DAY, SECONDS_PER_DAY)
        all_starts = np.concatenate([starts, np.zeros(int(spill.sum()))])
        all_ends = np.concatenate([np.minimum(ends, SECONDS_PER_DAY), extra_ends])
        all_powers = np.concatenate([powers, powers[spill]])
        return DayLoad(day_index, all_starts, all_ends, all_powers)


def _day_type(date: dt.date) -> str:
    if (date.month, date.day) in _FIXED_HOLIDAYS or date.weekday() == 6:
        return "sunday"
    return "saturday" if date.weekday() == 5 else "workday"


class HouseholdModel:
    """A German household of two to three people with a gas heating (circulation pump)."""

    def __init__(self, seed: int = 0, annual_kwh: float = 3500.0,
                 timezone: str = "Europe/Berlin") -> None:
        if not annual_kwh > 0:
            raise ValueError(f"annual_kwh must be positive, got {annual_kwh}")
        self.seed = int(seed)
        self.annual_kwh = float(annual_kwh)
        self.tz = ZoneInfo(timezone)
        self._day_cache = lru_cache(maxsize=64)(self._scaled_day)
        self._year_scale_cache: dict[int, float] = {}
        self._cum_cache: dict[int, float] = {}

    # -- public ---------------------------------------------------------------------------
    def day(self, day_index: int) -> DayLoad:
        """The load of UTC day `day_index` (days since 1970-01-01)."""
        return self._day_cache(day_index)

    def power_w(self, t_utc: float) -> float:
        day_index, seconds = divmod(t_utc, SECONDS_PER_DAY)
        return self.day(int(day_index)).power_at_w(seconds)

    def energy_wh(self, t_utc: float) -> float:
        """Energy up to `t_utc` from an arbitrary origin: only differences are meaningful."""
        day_index, seconds = divmod(t_utc, SECONDS_PER_DAY)
        day_index = int(day_index)
        return self._energy_before_day(day_index) + self.day(day_index).energy_until_wh(seconds)

    def energy_between_wh(self, t0_utc: float, t1_utc: float) -> float:
        return self.energy_wh(t1_utc) - self.energy_wh(t0_utc)

    def power_series_w(self, start_utc: int, end_utc: int) -> np.ndarray:
        """Power of every second in [start_utc, end_utc)."""
        first, last = start_utc // SECONDS_PER_DAY, (end_utc - 1) // SECONDS_PER_DAY
        days = [self.day(d).power_per_second_w() for d in range(first, last + 1)]
        series = np.concatenate(days)
        offset = start_utc - first * SECONDS_PER_DAY
        return series[offset:offset + (end_utc - start_utc)]

    # -- cumulative energy -----------------------------------------------------------------
    def _energy_before_day(self, day_index: int) -> float:
        """Sum of day energies from a cache anchor; extends the cache one day at a time."""
        cache = self._cum_cache
        if not cache:
            cache[day_index] = 0.0
        if day_index in cache:
            return cache[day_index]
        anchor = min(cache, key=lambda d: abs(d - day_index))
        total = cache[anchor]
        step = 1 if day_index > anchor else -1
        d = anchor
        while d != day_index:
            if step == 1:
                total += self.day(d).energy_wh
            else:
                total -= self.day(d - 1).energy_wh
            d += step
            cache[d] = total
        return total

    # -- day generation --------------------------------------------------------------------
    def _scaled_day(self, day_index: int) -> DayLoad:
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day_index)
        builder, offset_s = self._raw_day(day_index)
        return builder.fold(day_index, offset_s, self._year_scale(date.year))

    def _year_scale(self, year: int) -> float:
        if year not in self._year_scale_cache:
            n_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
            target_wh = self.annual_kwh * 1000.0 * n_days / 365.25
            raw_wh = _raw_year_energy_wh(self.seed, year, self.tz.key)
            self._year_scale_cache[year] = target_wh / raw_wh
        return self._year_scale_cache[year]

    def _raw_day(self, day_index: int) -> tuple[_Day, int]:
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day_index)
        noon = dt.datetime(date.year, date.month, date.day, 12, tzinfo=self.tz)
        offset_s = int(noon.utcoffset().total_seconds())  # type: ignore[union-attr]
        rng = np.random.default_rng([self.seed, day_index & 0xFFFFFFFF])
        day = _Day(rng)
        doy = date.timetuple().tm_yday
        # +1 in mid-January, -1 in mid-July.
        winter = math.cos(2.0 * math.pi * (doy - 15) / 365.25)
        _add_base_load(day, winter)
        if doy not in _absent_days(self.seed):
            _add_occupancy(day, _day_type(date), winter, doy, offset_s)
        return day, offset_s


@lru_cache(maxsize=64)
def _raw_year_energy_wh(seed: int, year: int, timezone: str) -> float:
    """Unscaled energy of a calendar year; shared by all models of the same household."""
    model = HouseholdModel(seed=seed, timezone=timezone)
    first = (dt.date(year, 1, 1) - dt.date(1970, 1, 1)).days
    n_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    total_wh = 0.0
    for d in range(first, first + n_days):
        starts, ends, powers = model._raw_day(d)[0].segments()
        total_wh += float(np.dot(ends - starts, powers)) / 3600.0
    return total_wh


@lru_cache(maxsize=16)
def _absent_days(seed: int) -> frozenset[int]:
    """Two weeks of summer holiday, a few autumn days, four weekends away (day of year).

    The same days every year: any 365-day window then holds the same absences, which keeps
    the energy of every simulated year close to the configured value.
    """
    rng = np.random.default_rng([seed, 0xAB5E])
    days: set[int] = set()
    summer_start = int(rng.integers(185, 225))
    days.update(range(summer_start, summer_start + 14))
    autumn_start = int(rng.integers(280, 300))
    days.update(range(autumn_start, autumn_start + 5))
    for _ in range(4):
        saturday = int(rng.integers(0, 51)) * 7 + 10
        days.update((saturday, saturday + 1))
    return frozenset(days)


def _add_base_load(day: _Day, winter: float) -> None:
    rng = day.rng
    # Standby, router, clocks: a level that drifts every quarter hour.
    quarters = np.arange(96) * 900.0
    day.add_arrays(quarters, np.full(96, 900.0), np.maximum(40.0, rng.normal(100.0, 12.0, 96)))
    # Fridge and freezer compressors work harder in a warm summer kitchen.
    for power_w, period_s, duty in ((85.0, 2700.0, 0.30), (95.0, 3600.0, 0.36)):
        n = int(SECONDS_PER_DAY / (0.9 * period_s)) + 2
        periods = period_s * rng.uniform(0.9, 1.1, n)
        cycle = -rng.uniform(0.0, period_s) + np.concatenate([[0.0], np.cumsum(periods[:-1])])
        on_end = cycle + periods * duty * (1.0 - 0.18 * winter)
        keep = (cycle < SECONDS_PER_DAY) & (on_end > 3.0)
        start, on_end = np.maximum(cycle[keep], 0.0), on_end[keep]
        # Compressor start draws three times the running power for a few seconds.
        day.add_arrays(start, np.full(start.shape, 3.0), np.full(start.shape, 3.0 * power_w))
        day.add_arrays(start + 3.0, on_end - start - 3.0, np.full(start.shape, power_w))
    # Gas heating circulation pump in the heating season, day time.
    if winter > -0.25:
        day.add(5.0, 17 * 3600, 30.0 + 25.0 * max(winter, 0.0))


def _add_occupancy(day: _Day, day_type: str, winter: float, doy: int, offset_s: int) -> None:
    rng = day.rng
    n = rng.normal
    weekend = day_type != "workday"
    wake = n(8.3, 0.9) if weekend else n(6.4, 0.6)
    sleep = n(24.0, 0.9) if weekend else n(23.4, 0.8)
    home_at_day = weekend or rng.random() < 0.55
    leave, back = (wake + 1.3, n(17.0, 0.6)) if not home_at_day else (wake + 9.0, wake + 9.0)
    home = [(wake, leave), (back, sleep)] if not home_at_day else [(wake, sleep)]

    def at_home(start: float, end: float) -> float:
        span = [(max(a, start), min(b, end)) for a, b in home if min(b, end) > max(a, start)]
        if not span:
            return wake + rng.uniform(0.2, 1.0)
        a, b = span[int(rng.integers(len(span)))]
        return rng.uniform(a, b)

    # Breakfast.
    day.add(wake + rng.uniform(0.1, 0.3), rng.uniform(150, 240), 2000.0)        # kettle
    for i in range(int(rng.integers(1, 3))):
        day.add(wake + 0.2 + 0.05 * i, 60, 1300.0)                                # coffee
    if rng.random() < 0.4:
        day.add(wake + rng.uniform(0.2, 0.5), 150, 850.0)                         # toaster
    if rng.random() < 0.35:
        day.add(wake + rng.uniform(0.1, 0.5), 240, 1800.0)                        # hair dryer
    # Cooking: lunch at home, dinner in the evening; hob cycles, oven preheats then cycles.
    meals = [n(18.7, 0.9)]
    if home_at_day:
        meals.append(n(12.4, 0.8))
    for meal_h in meals:
        cook_s = rng.uniform(1200, 2700) * (1.0 + 0.15 * winter)
        day.add_cycling(meal_h - cook_s / 3600.0, cook_s, rng.uniform(1000, 1800), 0.5, 90.0)
        if rng.random() < (0.45 if weekend else 0.2):
            bake_s = rng.uniform(1800, 3600)
            start = meal_h - bake_s / 3600.0 - 0.2
            day.add(start - 0.17, 600, 2200.0)                                    # preheat
            day.add_cycling(start, bake_s, 2200.0, 0.45, 240.0)
        if rng.random() < 0.5:
            day.add(meal_h + rng.uniform(-0.5, 0.3), rng.uniform(120, 300), 800.0)  # microwave
    if rng.random() < 0.5:
        day.add(at_home(14.5, 17.5), rng.uniform(150, 240), 2000.0)               # tea
    # Laundry: heating phase, drum phase, spin; the dryer more often in winter.
    if rng.random() < (0.6 if weekend else 0.35):
        start = at_home(8.0, 21.0)
        heat_s = rng.choice([600.0, 900.0, 1200.0])
        day.add(start, heat_s, 2000.0)
        day.add(start + heat_s / 3600.0, 4200, 180.0)
        day.add(start + heat_s / 3600.0 + 70 / 60, 480, 450.0)
        if rng.random() < 0.35 + 0.25 * winter:
            dry_start = start + 1.8
            day.add(dry_start, 5400, 220.0)
            day.add_cycling(dry_start, 5400, 2300.0, 0.6, 300.0)
    # Dishwasher after dinner: two heating phases.
    if rng.random() < 0.7:
        # Mostly after dinner, sometimes with a delayed start at night or during the day.
        start = (meals[0] + rng.uniform(0.8, 2.5) if rng.random() < 0.7
                 else rng.choice([rng.uniform(0.5, 5.0), at_home(8.0, 17.0)]))
        day.add(start, 900, 2000.0)
        day.add(start + 0.25, 2100, 120.0)
        day.add(start + 0.85, 480, 2000.0)
        day.add(start + 1.0, 2400, 25.0)
    if day_type == "saturday" and rng.random() < 0.7:
        day.add(at_home(10.0, 16.0), rng.uniform(900, 1800), 750.0)              # vacuum
    # Screens: evenings, and a home office when home at day.
    day.add(max(back, meals[0] - 0.5), (sleep - max(back, meals[0] - 0.5)) * 3600, 110.0)
    if home_at_day:
        day.add(wake + 1.5, rng.uniform(3, 7) * 3600, 70.0)
        day.add(at_home(13.0, 15.0), rng.uniform(2, 4) * 3600, 90.0)             # PC, hobby
        if rng.random() < 0.3:   # ironing, baking or a heater in the hobby room
            day.add_cycling(at_home(13.0, 18.0), rng.uniform(1800, 3600), 1800.0, 0.5, 120.0)
    # Lights while someone is awake at home and it is dark; sun times in local clock time.
    day_length_h = _DAY_LENGTH_MEAN_H - _DAY_LENGTH_SWING_H * math.cos(
        2.0 * math.pi * (doy + 10) / 365.25)
    solar_noon_h = 12.3 + (offset_s - 3600) / 3600.0
    sunrise, sunset = solar_noon_h - day_length_h / 2 + 0.5, solar_noon_h + day_length_h / 2 - 0.5
    lights_w = rng.uniform(70.0, 150.0)
    for a, b in home:
        for lo, hi in ((a, min(b, sunrise)), (max(a, sunset), b)):
            if hi > lo:
                day.add(lo, (hi - lo) * 3600, lights_w)
    # Small things spread over the waking hours (chargers, hair straightener, blender, ...).
    for _ in range(int(rng.poisson(8))):
        day.add(at_home(wake, sleep), rng.uniform(60, 900), rng.uniform(100, 1200))
