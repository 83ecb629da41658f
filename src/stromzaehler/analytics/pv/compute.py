"""Run the planner on the store: the one place that joins store, weather, planner and sweep.

Picklable inputs (DataSource, PvRequest), so that the worker process can run it away from the
capture path; the CLI calls it directly. Progress goes to a callback (0..1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..periods import RangeError, format_instants, local_fields, parse_instant
from . import request as req
from .load import YEAR_QUARTERS, LoadError, LoadYear, load_from_store
from .planner import STEP_S, Plan, plan, pv_steps, pv_w_per_hour, system_inputs
from .sweep import parse_values, sweep
from .weather import SOURCE_NOTE, Weather

YEAR_S = YEAR_QUARTERS * 900
Progress = Callable[[float], None]


@dataclass(frozen=True)
class DataSource:
    """Where the recorded consumption is and how to read it (from the settings)."""

    data_dir: str
    timezone: str = "Europe/Berlin"
    digits: int = 7
    decimals: int = 1
    gap_limit_s: int = 1800
    latitude: float | None = None
    longitude: float | None = None


def _quiet(_: float) -> None:
    return None


def _open(source: DataSource) -> tuple[Any, Any]:
    from ...store import Store
    from ...store.counters import CounterStore
    from ..series import CounterModel

    # The service checked and migrated this database at its start; the planner only reads it.
    store = Store.attach(Path(source.data_dir))
    model = CounterModel.for_meter(source.digits, source.decimals, source.gap_limit_s)
    return CounterStore(store), model


def period(source: DataSource, request: req.PvRequest, now_utc: int | None = None
           ) -> tuple[int, int | None]:
    """(end of the planning year, recordings ignored before); InputError for bad dates."""
    zone = ZoneInfo(source.timezone)
    try:
        start = parse_instant(request.from_, zone) if request.from_ else None
        end = parse_instant(request.to, zone) if request.to else None
    except (RangeError, ValueError) as error:
        raise req.InputError(str(error)) from None
    if end is None:
        end = start + YEAR_S if start is not None else int(now_utc or time.time())
    if start is not None and not 0 < end - start <= YEAR_S + 3600:
        raise req.InputError("from must lie before to, and at most 365 days before it")
    return end // 3600 * 3600, start


def data_key(source: DataSource, request: req.PvRequest, now_utc: int | None = None
             ) -> tuple[Any, ...]:
    """Changes when the result could: the planning year moves (hourly), the recording's span
    or its corrections and meter replacements change, a weather file is replaced.

    Runs inside the service, which has the database open: so Store.attach, not Store.open
    (whose file checks would drop the service's SQLite locks), and closed again at once."""
    from ...store import Store
    from ...store.counters import CounterStore

    end, start = period(source, request, now_utc)
    weather_file = None
    if request.weather_file is not None and Path(request.weather_file).is_file():
        stat = Path(request.weather_file).stat()
        weather_file = (stat.st_mtime_ns, stat.st_size)
    store = Store.attach(Path(source.data_dir))
    try:
        counters = CounterStore(store)
        # The corrections and replacements themselves, not their number: an owner who
        # changes the value of a correction already made changes the load profile.
        return (end, start, counters.time_range(), tuple(counters.corrections()),
                tuple(counters.replacements()), weather_file)
    finally:
        store.close()


def _load(source: DataSource, request: req.PvRequest, minutes: bool,
          now_utc: int | None) -> LoadYear:
    counters, model = _open(source)
    end, ignore_before = period(source, request, now_utc)
    try:
        return load_from_store(counters, model, ZoneInfo(source.timezone), end, minutes,
                               ignore_before)
    except (LoadError, RangeError) as error:
        raise req.InputError(str(error)) from None


def weather_info(weather: Weather) -> dict[str, Any]:
    return {"name": weather.name, "source": weather.source, "station": weather.station,
            "latitude": weather.latitude, "longitude": weather.longitude,
            "radiation_measured_share": weather.measured_share,
            "credit": SOURCE_NOTE if weather.source == "try2010" else "PVGIS (JRC) TMY"}


def _details(result: Plan, zone: ZoneInfo) -> dict[str, Any]:
    """Typical day per month (mean kW per local hour) and the hourly state of charge."""
    steps_per_hour = 3600 // result.step_s
    hours = result.load_kwh.size // steps_per_hour
    t = result.start_utc + 3600 * np.arange(hours, dtype=np.int64)
    fields = local_fields(t, zone)
    load_h = result.load_kwh[:hours * steps_per_hour].reshape(hours, -1).sum(axis=1)
    pv_h = result.pv_kwh[:hours * steps_per_hour].reshape(hours, -1).sum(axis=1)
    soc_h = result.flows.soc[steps_per_hour - 1::steps_per_hour, 0][:hours]
    hour = fields.second_of_day // 3600
    typical = []
    for month in range(1, 13):
        mask = fields.month == month
        count = np.bincount(hour[mask], minlength=24)
        count = np.maximum(count, 1)
        typical.append({
            "month": month,
            "load_kw": np.round(np.bincount(hour[mask], load_h[mask], 24) / count, 3).tolist(),
            "pv_kw": np.round(np.bincount(hour[mask], pv_h[mask], 24) / count, 3).tolist(),
        })
    return {"typical_days": typical, "hour_start": format_instants(t[:1], zone)[0],
            "soc_kwh_hourly": np.round(soc_h, 3).tolist()}


def run_plan(source: DataSource, request: req.PvRequest, progress: Progress = _quiet,
             details: bool = False, now_utc: int | None = None) -> dict[str, Any]:
    """The chosen system at the finest real resolution (or the one asked for), with the
    autarky the same system would show on hourly data beside it."""
    req.check(request)
    weather = req.weather(request, source.latitude, source.longitude)
    progress(0.05)
    wants_minutes = request.resolution in ("1min", "finest")
    load = _load(source, request, wants_minutes, now_utc)
    progress(0.4)
    quality = load.data_quality()
    resolution = quality["finest_resolution"] if request.resolution == "finest" \
        else request.resolution
    system = req.system(request)
    prices = req.prices(request)
    zone = ZoneInfo(source.timezone)
    pv_hourly = pv_w_per_hour(weather, system.arrays)
    progress(0.5)
    chosen = plan(system, load, weather, prices, resolution, zone, pv_hourly)
    progress(0.85)
    hourly = chosen if resolution == "60min" else plan(system, load, weather, prices, "60min",
                                                       zone, pv_hourly)
    progress(1.0)
    fine = chosen.year["autarky"]
    coarse = hourly.year["autarky"]
    end, _ = period(source, request, now_utc)
    result: dict[str, Any] = {
        "inputs": {**system_inputs(system, prices), "resolution": resolution,
                   "period": dict(zip(("start", "end"),
                                      format_instants(np.array([end - YEAR_S, end]), zone),
                                      strict=True)),
                   "weather": weather_info(weather)},
        "data_quality": {**quality, "resolution": resolution, "pv_resolution": "60min",
                         "weather_radiation_measured_share": weather.measured_share,
                         "curtailment_is_lower_bound": True},
        "year": chosen.year,
        "months": chosen.months,
        "resolution_check": {"resolution": resolution, "autarky": fine,
                             "hourly_autarky": coarse,
                             "hourly_overstates_by": round(coarse - fine, 4)},
    }
    if details:
        result["details"] = _details(chosen, zone)
    return result


def run_grid(source: DataSource, request: req.PvRequest, progress: Progress = _quiet,
             now_utc: int | None = None) -> dict[str, Any]:
    """The kWp x battery grid at 15 min (orientation, prices and limits of the request)."""
    req.check(request)
    weather = req.weather(request, source.latitude, source.longitude)
    load = _load(source, request, False, now_utc)
    progress(0.2)
    kwp = parse_values(request.kwp_grid, "kwp-grid")
    battery = parse_values(request.battery_grid, "battery-grid")
    unit = req.system(request, kwp=1.0)
    pv_hourly = pv_w_per_hour(weather, unit.arrays)
    step_s = STEP_S["15min"]
    pv_per_kwp = pv_steps(pv_hourly, weather, load.start_utc, load.quarter_kwh.size, step_s)
    grid = sweep(pv_per_kwp, load.quarter_kwh, step_s, kwp, battery, request.round_trip,
                 request.feed_in_cap, req.prices(request),
                 lambda done: progress(0.2 + 0.8 * done))
    return grid

