"""One PV (+ battery) system on the household's planning year: energy flows per step, then the
yearly and monthly figures as HTW Berlin defines them, savings and payback.

Self-consumption share = (direct + charge) / PV; autarky = (direct + discharge) / load.
The PV output is hourly (the weather is); at 15 or 1 min each step takes its hour's mean
power, so peaks above the feed-in limit inside an hour are not seen: the curtailment is a
lower bound. The load keeps its own finest real shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..periods import local_fields
from .battery import Battery, Flows, dispatch
from .economics import Prices, investment_eur, payback_years, savings_eur
from .load import LoadYear
from .pvmodel import DEFAULT_LOSSES, PvArray, system_ac_w
from .solar import sun_position
from .weather import Weather

STEP_S = {"1min": 60, "15min": 900, "60min": 3600}
FLOW_KEYS = ("direct", "charge", "discharge", "feed_in", "curtailed", "grid_import")


@dataclass(frozen=True)
class System:
    arrays: tuple[PvArray, ...]
    battery: Battery = field(default_factory=Battery)
    feed_in_cap_pct: float = 100.0  # of kWp at the grid connection; 100 = no limit

    def __post_init__(self) -> None:
        if not 0 <= self.feed_in_cap_pct <= 100:
            raise ValueError(f"the feed-in limit must lie between 0 and 100 % of kWp, not "
                             f"{self.feed_in_cap_pct}")

    @property
    def kwp(self) -> float:
        return sum(a.kwp for a in self.arrays)

    @property
    def export_limit_kw(self) -> float:
        return np.inf if self.feed_in_cap_pct >= 100 else self.kwp * self.feed_in_cap_pct / 100


def pv_w_per_hour(weather: Weather, arrays: tuple[PvArray, ...],
                  losses: float = DEFAULT_LOSSES) -> np.ndarray:
    """AC power (W) of the arrays for each of the weather's 8760 hours."""
    sun = sun_position(weather.center_utc, weather.latitude, weather.longitude)
    return system_ac_w(list(arrays), sun, weather.beam_h_w_m2, weather.diffuse_h_w_m2,
                       weather.air_c, weather.wind_m_s, losses)


def step_series(load: LoadYear, resolution: str) -> np.ndarray:
    """Load in kWh per step of the resolution (1min needs load.minute_kwh)."""
    if resolution == "1min":
        if load.minute_kwh is None:
            raise ValueError("minute load was not loaded")
        return load.minute_kwh
    if resolution == "15min":
        return load.quarter_kwh
    return load.quarter_kwh.reshape(-1, 4).sum(axis=1)


def pv_steps(pv_hourly_w: np.ndarray, weather: Weather, start_utc: int, steps: int,
             step_s: int) -> np.ndarray:
    """kWh per step: each step takes the power of the weather hour it falls in."""
    t = start_utc + step_s * np.arange(steps, dtype=np.int64)
    return pv_hourly_w[weather.row_of(t)] * step_s / 3.6e6


def simulate(system: System, pv_kwh: np.ndarray, load_kwh: np.ndarray, step_s: int) -> Flows:
    battery = system.battery
    return dispatch(pv_kwh, load_kwh, step_s / 3600.0, np.array([battery.capacity_kwh]),
                    np.array([battery.limit_kw]), battery.round_trip,
                    np.array([system.export_limit_kw]))


def figures(sums: dict[str, float], pv: float, load: float, system: System, prices: Prices,
            with_payback: bool) -> dict[str, Any]:
    """The issue's keys for one period from its flow sums (kWh)."""
    direct, charge, discharge = sums["direct"], sums["charge"], sums["discharge"]
    saving = savings_eur(direct + discharge, sums["feed_in"], prices)
    payback = None
    if with_payback:
        payback = payback_years(investment_eur(system.kwp, system.battery.capacity_kwh, prices),
                                direct + discharge, sums["feed_in"], prices)
    capacity = system.battery.capacity_kwh
    return {
        "load_kwh": round(load, 2), "pv_kwh": round(pv, 2), "direct_kwh": round(direct, 2),
        "charge_kwh": round(charge, 2), "discharge_kwh": round(discharge, 2),
        "feed_in_kwh": round(sums["feed_in"], 2), "curtailed_kwh": round(sums["curtailed"], 2),
        "import_kwh": round(sums["grid_import"], 2),
        "self_consumption": round((direct + charge) / pv, 4) if pv > 0 else 0.0,
        "autarky": round((direct + discharge) / load, 4) if load > 0 else 0.0,
        "cycles": round(discharge / capacity, 1) if capacity > 0 else 0.0,
        "savings_eur": round(saving, 2), "payback_years": payback,
    }


@dataclass
class Plan:
    year: dict[str, Any]
    months: list[dict[str, Any]]
    resolution: str
    flows: Flows
    pv_kwh: np.ndarray
    load_kwh: np.ndarray
    step_s: int
    start_utc: int


def plan(system: System, load: LoadYear, weather: Weather, prices: Prices, resolution: str,
         zone: ZoneInfo, pv_hourly_w: np.ndarray | None = None) -> Plan:
    """Flows of one system at one resolution with yearly and monthly figures."""
    step_s = STEP_S[resolution]
    load_kwh = step_series(load, resolution)
    if pv_hourly_w is None:
        pv_hourly_w = pv_w_per_hour(weather, system.arrays)
    pv_kwh = pv_steps(pv_hourly_w, weather, load.start_utc, load_kwh.size, step_s)
    flows = simulate(system, pv_kwh, load_kwh, step_s)
    sums = {k: float(getattr(flows, k).sum()) for k in FLOW_KEYS}
    year = figures(sums, float(pv_kwh.sum()), float(load_kwh.sum()), system, prices, True)
    # Months in local time: a step belongs to the month its start lies in.
    t = load.start_utc + step_s * np.arange(load_kwh.size, dtype=np.int64)
    fields = local_fields(t, zone)
    month_key = fields.day_number.astype("datetime64[D]").astype("datetime64[M]")
    labels, index = np.unique(month_key, return_inverse=True)
    index = index.reshape(-1)
    months = []
    month_sums = {k: np.bincount(index, weights=getattr(flows, k)[:, 0], minlength=labels.size)
                  for k in FLOW_KEYS}
    month_pv = np.bincount(index, weights=pv_kwh, minlength=labels.size)
    month_load = np.bincount(index, weights=load_kwh, minlength=labels.size)
    for i, label in enumerate(labels):
        sums_i = {k: float(month_sums[k][i]) for k in FLOW_KEYS}
        months.append({"month": str(label),
                       **figures(sums_i, float(month_pv[i]), float(month_load[i]), system,
                                 prices, False)})
    return Plan(year, months, resolution, flows, pv_kwh, load_kwh, step_s, load.start_utc)


def system_inputs(system: System, prices: Prices) -> dict[str, Any]:
    return {
        "kwp": system.kwp,
        "arrays": [asdict(a) for a in system.arrays],
        "battery_kwh": system.battery.capacity_kwh,
        "battery_power_kw": system.battery.limit_kw,
        "battery_round_trip": system.battery.round_trip,
        "feed_in_cap_pct": system.feed_in_cap_pct,
        **asdict(prices),
    }
