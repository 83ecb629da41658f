"""PV planner over HTTP: GET /api/pv (one system), /api/pv/grid (kWp x battery), progress,
stations, and an uploaded PVGIS TMY (PUT/DELETE /api/pv/weather, login). Parses, hands the job
to the low-priority planner worker, formats; 422 for bad input.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from ..analytics.pv import economics
from ..analytics.pv.compute import DataSource, weather_info
from ..analytics.pv.request import RESOLUTIONS, InputError, PvRequest
from ..analytics.pv.weather import (
    MAX_PVGIS_BYTES,
    SOURCE_NOTE,
    WeatherError,
    parse_pvgis_tmy,
    stations,
)
from ..analytics.pv.worker import Busy, PlannerWorker
from ..config import Settings
from .deps import get_settings, require_reader, require_user

PVGIS_FILE = "pv_weather.csv"  # in the data folder

router = APIRouter(prefix="/api/pv", tags=["pv"], dependencies=[Depends(require_reader)])
# The upload is the one body larger than a small JSON object (BodyLimit in app.py).
WEATHER_PATH = "/api/pv/weather"
BODY_LIMITS = {WEATHER_PATH: MAX_PVGIS_BYTES}


def worker(request: Request) -> PlannerWorker:
    """One worker per application, started on first use."""
    state = request.app.state
    if getattr(state, "pv_worker", None) is None:
        state.pv_worker = PlannerWorker()
    return state.pv_worker


def data_source(settings: Settings) -> DataSource:
    return DataSource(str(settings.storage.data_dir), settings.analytics.timezone,
                      len(settings.meter.digit_boxes), settings.meter.decimals,
                      int(settings.analytics.gap_limit_s), settings.pv.latitude,
                      settings.pv.longitude)


def pv_request(
    kwp: float = Query(5.0, description="peak power, kWp"),
    battery_kwh: float = Query(0.0, description="usable battery capacity, kWh"),
    battery_kw: float | None = Query(None, description="battery power; default 0.5 x capacity"),
    tilt: float = Query(35.0, description="degrees from horizontal"),
    azimuth: str = Query("180", description="180 = south, 90 = east; 90,270 = east/west"),
    feed_in_cap: float = Query(100.0, description="feed-in limit, % of kWp (100 = none)"),
    price: float = Query(economics.DEFAULT_PRICE_EUR_KWH, description="EUR/kWh bought"),
    feed_in_tariff: float = Query(economics.DEFAULT_FEED_IN_EUR_KWH, description="EUR/kWh"),
    cost_per_kwp: float = Query(economics.DEFAULT_COST_PER_KWP_EUR),
    cost_per_kwh: float = Query(economics.DEFAULT_COST_PER_KWH_EUR),
    price_increase: float = Query(economics.DEFAULT_PRICE_INCREASE, description="0.02 = 2 %/a"),
    resolution: str = Query("finest", description=" | ".join(RESOLUTIONS)),
    lat: float | None = Query(None),
    lon: float | None = Query(None),
    station: int | None = Query(None, description="TRY 2010 region 1..15"),
    from_: str | None = Query(None, alias="from"),
    to: str | None = Query(None, description="end of the planning year (default: now)"),
    kwp_grid: str = Query("1-15", description="grid rows: 1-15, 0-15:2.5 or 3,5,8"),
    battery_grid: str = Query("0-15", description="grid columns"),
    weather: str | None = Query(None, description="pvgis: the uploaded PVGIS TMY"),
    settings: Settings = Depends(get_settings),
) -> PvRequest:
    weather_file = None
    if weather is not None:
        if weather != "pvgis":
            raise HTTPException(422, "weather: only 'pvgis' (the uploaded file) is known")
        weather_file = str(pvgis_path(settings))
        if not os.path.exists(weather_file):
            raise HTTPException(422, "no PVGIS file uploaded (PUT /api/pv/weather)")
    return PvRequest(weather_file=weather_file, kwp=kwp, battery_kwh=battery_kwh,
                     battery_power_kw=battery_kw, tilt=tilt, azimuth=azimuth,
                     feed_in_cap=feed_in_cap, price=price,
                     feed_in_tariff=feed_in_tariff, cost_per_kwp=cost_per_kwp,
                     cost_per_kwh=cost_per_kwh, price_increase=price_increase,
                     resolution=resolution, lat=lat, lon=lon, station=station, from_=from_,
                     to=to, kwp_grid=kwp_grid, battery_grid=battery_grid)


async def _run(kind: str, request: Request, inputs: PvRequest, settings: Settings,
               details: bool = False) -> dict[str, Any]:
    try:
        return await worker(request).result(kind, data_source(settings), inputs, details)
    except InputError as error:
        raise HTTPException(422, str(error)) from None
    except Busy as error:
        raise HTTPException(503, str(error)) from None


@router.get("")
async def pv_plan(request: Request, details: bool = Query(False, description="typical days "
                                                           "and hourly state of charge"),
                  inputs: PvRequest = Depends(pv_request),
                  settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """One system on the recorded year: {inputs, data_quality, year, months, ...}."""
    return await _run("plan", request, inputs, settings, details)


@router.get("/grid")
async def pv_grid(request: Request, inputs: PvRequest = Depends(pv_request),
                  settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """kWp x battery grid at 15 min: {kwp, battery_kwh, autarky, ...} (rows = kWp)."""
    return await _run("grid", request, inputs, settings)


@router.get("/progress")
def pv_progress(request: Request) -> dict[str, Any]:
    """Whether a planner job is running and how far it got (0..1)."""
    return worker(request).progress()


@router.get("/stations")
def pv_stations(settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The TRY 2010 stations, and the place set in the settings."""
    return {"credit": SOURCE_NOTE, "pvgis_uploaded": pvgis_path(settings).exists(),
            "location": {"latitude": settings.pv.latitude, "longitude": settings.pv.longitude},
            "stations": [s.__dict__ for s in stations()]}


def pvgis_path(settings: Settings) -> Path:
    return Path(settings.storage.data_dir) / PVGIS_FILE


@router.put(WEATHER_PATH.removeprefix(router.prefix), dependencies=[Depends(require_user)])
async def upload_weather(request: Request, settings: Settings = Depends(get_settings)
                         ) -> dict[str, Any]:
    """Store a PVGIS TMY CSV (as PVGIS exports it) for `weather=pvgis`; 422 when it is not
    one. BodyLimit (app.py) has refused a body over MAX_PVGIS_BYTES before this runs."""
    data = await request.body()
    try:
        weather = parse_pvgis_tmy(data)
    except WeatherError as error:
        raise HTTPException(422, str(error)) from None
    path = pvgis_path(settings)
    partial = path.with_suffix(".part")
    partial.write_bytes(bytes(data))
    os.replace(partial, path)
    return weather_info(weather)


@router.delete("/weather", dependencies=[Depends(require_user)])
def delete_weather(settings: Settings = Depends(get_settings)) -> dict[str, bool]:
    pvgis_path(settings).unlink(missing_ok=True)
    return {"deleted": True}
