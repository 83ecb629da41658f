"""The planner's inputs, checked once: the same names on the CLI (--battery-kwh) and over HTTP
(battery_kwh). Bad input raises InputError with one line for the user (exit 2 / HTTP 422)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from . import economics
from .battery import DEFAULT_ROUND_TRIP, Battery
from .convention import most_symmetric
from .planner import STEP_S, System
from .pvmodel import PvArray
from .sweep import DEFAULT_BATTERY_KWH, DEFAULT_KWP, MAX_CELLS, parse_values
from .weather import (
    MAX_PVGIS_BYTES,
    Weather,
    WeatherError,
    parse_pvgis_tmy,
    region_of,
    station,
    try_weather,
)

RESOLUTIONS = (*STEP_S, "finest")
DEFAULT_STATION = 7  # Kassel: the middle of Germany's climate, when no place is set
MAX_KWP = 1000.0
MAX_BATTERY_KWH = 1000.0


class InputError(ValueError):
    """One line for the user."""


@dataclass(frozen=True)
class PvRequest:
    kwp: float = 5.0
    battery_kwh: float = 0.0
    tilt: float = 35.0
    azimuth: str = "180"  # one or several azimuths (90,270): the kWp is split evenly
    feed_in_cap: float = 100.0
    price: float = economics.DEFAULT_PRICE_EUR_KWH
    feed_in_tariff: float = economics.DEFAULT_FEED_IN_EUR_KWH
    cost_per_kwp: float = economics.DEFAULT_COST_PER_KWP_EUR
    cost_per_kwh: float = economics.DEFAULT_COST_PER_KWH_EUR
    price_increase: float = economics.DEFAULT_PRICE_INCREASE
    battery_power_kw: float | None = None
    round_trip: float = DEFAULT_ROUND_TRIP
    resolution: str = "finest"
    lat: float | None = None
    lon: float | None = None
    station: int | None = None
    weather_file: str | None = None  # a PVGIS TMY CSV (CLI only)
    from_: str | None = None
    to: str | None = None
    kwp_grid: str = f"{DEFAULT_KWP[0]:g}-{DEFAULT_KWP[-1]:g}"
    battery_grid: str = f"{DEFAULT_BATTERY_KWH[0]:g}-{DEFAULT_BATTERY_KWH[-1]:g}"


def _finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise InputError(f"{name} must be a number, not {value}")


def check(request: PvRequest) -> PvRequest:
    """Raise InputError for anything the planner cannot use."""
    for name, value in asdict(request).items():
        if isinstance(value, float):
            _finite(name, value)
    if not 0 <= request.kwp <= MAX_KWP:
        raise InputError(f"kwp must lie between 0 and {MAX_KWP:g}, not {request.kwp:g}")
    if not 0 <= request.battery_kwh <= MAX_BATTERY_KWH:
        raise InputError(f"battery-kwh must lie between 0 and {MAX_BATTERY_KWH:g}, "
                         f"not {request.battery_kwh:g}")
    if request.resolution not in RESOLUTIONS:
        raise InputError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    sources = [request.station is not None, request.weather_file is not None,
               request.lat is not None or request.lon is not None]
    if sum(sources) > 1:
        raise InputError("give one of: lat and lon, station, or a PVGIS weather file")
    if (request.lat is None) != (request.lon is None):
        raise InputError("lat and lon go together")
    try:
        system(request)
        prices(request)
        cells = len(parse_values(request.kwp_grid, "kwp-grid")) * len(
            parse_values(request.battery_grid, "battery-grid"))
        if cells > MAX_CELLS:
            raise InputError(f"the grid has {cells} cells; at most {MAX_CELLS}")
        if request.station is not None:
            station(request.station)
        if request.lat is not None and request.lon is not None:
            region_of(request.lat, request.lon)
    except ValueError as error:
        raise InputError(str(error)) from None
    return request


def azimuths(request: PvRequest) -> list[float]:
    try:
        values = [float(v) for v in request.azimuth.split(",")]
    except ValueError:
        raise InputError(f"azimuth must be degrees (180 = south) or a list such as 90,270, "
                         f"not '{request.azimuth}'") from None
    if not 1 <= len(values) <= 4:
        raise InputError("between one and four azimuths")
    return values


def system(request: PvRequest, kwp: float | None = None, battery_kwh: float | None = None
           ) -> System:
    total = request.kwp if kwp is None else kwp
    directions = azimuths(request)
    arrays = tuple(PvArray(total / len(directions), request.tilt, a) for a in directions)
    battery = Battery(request.battery_kwh if battery_kwh is None else battery_kwh,
                      request.battery_power_kw, request.round_trip)
    return System(arrays, battery, request.feed_in_cap)


def prices(request: PvRequest) -> economics.Prices:
    return economics.Prices(request.price, request.feed_in_tariff, request.cost_per_kwp,
                            request.cost_per_kwh, request.price_increase)


def weather(request: PvRequest, default_lat: float | None, default_lon: float | None
            ) -> Weather:
    """The weather the request asks for; without any, the settings' place, else Kassel."""
    try:
        if request.weather_file is not None:
            path = Path(request.weather_file)
            if not path.is_file():
                raise InputError(f"weather file {path} not found")
            # PVGIS stamps hours at HH:00 UTC: the hour may end, be centred or start there.
            return most_symmetric(parse_pvgis_tmy(path.read_bytes()[:MAX_PVGIS_BYTES + 1]),
                                  -3600, 0)
        if request.station is not None:
            return try_weather(request.station)
        lat = request.lat if request.lat is not None else default_lat
        lon = request.lon if request.lon is not None else default_lon
        if lat is None or lon is None:
            return try_weather(DEFAULT_STATION)
        return try_weather(region_of(lat, lon))
    except WeatherError as error:
        raise InputError(str(error)) from None


