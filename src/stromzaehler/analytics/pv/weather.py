"""Hourly weather for the PV model: the packaged DWD test reference years, or a PVGIS TMY CSV.

The 15 TRY 2010 "mittleres Jahr" stations (one per German climate region) are shipped as a
compact table written by scripts/extract_try.py (Datenbasis: Deutscher Wetterdienst,
Testreferenzjahre 2010, Einzelwerte ausgewählt). Rows are hours of a reference year in MEZ
(UTC+1, no daylight saving), as the TRY files count them. Which part of the hour a TRY value
belongs to is not written in the files; the script determined it per station (hour_start_s)
and tests/test_pv_weather.py proves it (east and west arrays yield alike).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

HOURS = 8760
MEZ_OFFSET_S = 3600
# 2010-01-01 00:00 MEZ as UTC seconds: the reference year (not a leap year) the rows are on.
REFERENCE_YEAR_START_UTC = 1262300400
MAX_PVGIS_BYTES = 4_000_000
# A place this close to a TRY station (about 1 km) takes that station's year: Braunlage's own
# coordinates lie 300 m outside DWD's polygon of its region.
NEAR_STATION_DEG = 0.01
SOURCE_NOTE = "Datenbasis: Deutscher Wetterdienst, Testreferenzjahre 2010, Einzelwerte ausgewählt"


class WeatherError(ValueError):
    """Unknown station, a location outside the table, or a file that is not a PVGIS TMY."""


@dataclass(frozen=True)
class Station:
    number: int  # TRY region 1..15
    name: str
    region: str
    latitude: float
    longitude: float
    altitude_m: float
    hour_start_s: int  # row k covers MEZ seconds [hour_start_s + 3600 k, + 3600) of the year
    measured_share: float  # share of the hours whose radiation was measured (IK = 1)


@dataclass(frozen=True)
class Weather:
    """8760 hourly rows of a reference year (local standard time MEZ) with their place."""

    name: str
    source: str  # "try2010" | "pvgis"
    latitude: float
    longitude: float
    hour_start_s: int
    beam_h_w_m2: np.ndarray  # direct horizontal
    diffuse_h_w_m2: np.ndarray
    air_c: np.ndarray
    wind_m_s: np.ndarray
    measured_share: float | None  # None: the source does not say
    station: int | None = None

    @property
    def center_utc(self) -> np.ndarray:
        """Middle of each row's hour, as UTC seconds in the reference year (sun position)."""
        return (REFERENCE_YEAR_START_UTC + self.hour_start_s + 1800
                + 3600 * np.arange(HOURS, dtype=np.int64))

    def row_of(self, t_utc: np.ndarray) -> np.ndarray:
        """Row of the weather hour that holds each instant, by its MEZ date and time of day.

        The weather is one typical year, so every calendar year maps onto it; 29 February
        takes the rows of 28 February.
        """
        t = np.asarray(t_utc, dtype=np.int64) + MEZ_OFFSET_S
        days = t // 86400
        dates = days.astype("datetime64[D]")
        year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
        day_of_year = (dates - year_start).astype(np.int64)
        leap = _is_leap(dates.astype("datetime64[Y]").astype(np.int64) + 1970)
        day_of_year = np.where(leap & (day_of_year >= 59), np.maximum(day_of_year - 1, 58),
                               day_of_year)
        second_of_year = day_of_year * 86400 + (t - days * 86400)
        return ((second_of_year - self.hour_start_s) // 3600) % HOURS


def _is_leap(year: np.ndarray) -> np.ndarray:
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


@lru_cache(maxsize=1)
def _regions() -> dict:
    text = resources.files(__package__).joinpath("try2010_regions.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray]:
    with resources.files(__package__).joinpath("try2010.npz").open("rb") as handle:
        data = np.load(handle)
        return {key: data[key] for key in data.files}


def stations() -> list[Station]:
    return [Station(**{k: s[k] for k in Station.__dataclass_fields__}) for s in
            _regions()["stations"]]


def station(number: int) -> Station:
    for candidate in stations():
        if candidate.number == number:
            return candidate
    raise WeatherError(f"unknown weather station {number}: TRY regions are numbered 1 to 15")


def try_weather(number: int) -> Weather:
    """The test reference year of one TRY region."""
    meta = station(number)
    table = _table()
    index = number - 1
    return Weather(
        name=meta.name, source="try2010", latitude=meta.latitude, longitude=meta.longitude,
        hour_start_s=meta.hour_start_s,
        beam_h_w_m2=table["beam_w_m2"][index].astype(np.float64),
        diffuse_h_w_m2=table["diffuse_w_m2"][index].astype(np.float64),
        air_c=table["air_dc"][index] / 10.0, wind_m_s=table["wind_dm_s"][index] / 10.0,
        measured_share=meta.measured_share, station=number)


def _inside(lon: float, lat: float, ring: np.ndarray) -> bool:
    """Even-odd ray casting; over all rings of a region, holes fall out by themselves."""
    x0, y0 = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    crosses = (y0 > lat) != (y1 > lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (lon < x_at)) % 2)


def region_of(latitude: float, longitude: float) -> int:
    """TRY region of a place: a station within NEAR_STATION_DEG, else the polygon that holds
    it, else (outside Germany) the nearest station."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise WeatherError(f"no place on earth at latitude {latitude}, longitude {longitude}")
    for candidate in stations():
        if max(abs(candidate.latitude - latitude),
               abs(candidate.longitude - longitude)) < NEAR_STATION_DEG:
            return candidate.number
    for region in _regions()["regions"]:
        crossings = sum(_inside(longitude, latitude, np.asarray(ring))
                        for ring in region["rings"])
        if crossings % 2:
            return int(region["number"])
    return nearest_station(latitude, longitude)


def nearest_station(latitude: float, longitude: float) -> int:
    scale = np.cos(np.radians(latitude))
    best = min(stations(), key=lambda s: ((s.latitude - latitude) ** 2
                                          + ((s.longitude - longitude) * scale) ** 2))
    return best.number


def parse_pvgis_tmy(data: bytes) -> Weather:
    """A PVGIS TMY CSV as PVGIS exports it (time(UTC), T2m, G(h), Gb(n), Gd(h), WS10m ...).

    Its rows are hours in UTC of months from several years, moved onto the MEZ reference year
    as hours starting at their time stamps; convention.most_symmetric then finds the part of
    the hour they really describe.
    """
    if len(data) > MAX_PVGIS_BYTES:
        raise WeatherError("the PVGIS file is larger than a TMY CSV can be")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WeatherError("the PVGIS file is not UTF-8 text") from error
    lines = text.splitlines()
    place: dict[str, float] = {}
    header_at = None
    for number, line in enumerate(lines):
        for key in ("Latitude", "Longitude"):
            if line.startswith(key):
                with contextlib.suppress(IndexError, ValueError):
                    place[key] = float(line.split(":", 1)[1].strip().split()[0].strip(","))
        if line.startswith("time(UTC)"):
            header_at = number
            break
    if header_at is None or len(place) != 2:
        raise WeatherError("not a PVGIS TMY CSV: no latitude/longitude or no time(UTC) header")
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:header_at + HOURS + 1])))
    header = next(reader)
    needed = ("T2m", "G(h)", "Gd(h)", "WS10m")
    if any(name not in header for name in needed):
        raise WeatherError(f"not a PVGIS TMY CSV: columns {', '.join(needed)} are needed")
    columns = [header.index(name) for name in needed]
    try:
        rows = np.array([[float(row[i]) for i in columns] for row in reader], dtype=np.float64)
    except (ValueError, IndexError) as error:
        raise WeatherError(f"not a PVGIS TMY CSV: {error}") from error
    if rows.shape != (HOURS, 4):
        raise WeatherError(f"not a PVGIS TMY CSV: {rows.shape[0]} hourly rows, not {HOURS}")
    # UTC hour h is MEZ hour h + 1: the last UTC row (31 Dec 23:00) is MEZ 1 Jan 00:00.
    rows = np.roll(rows, 1, axis=0)
    ghi, dhi = np.maximum(rows[:, 1], 0.0), np.maximum(rows[:, 2], 0.0)
    return Weather(name=f"PVGIS TMY {place['Latitude']:.3f}, {place['Longitude']:.3f}",
                   source="pvgis", latitude=place["Latitude"], longitude=place["Longitude"],
                   hour_start_s=0, beam_h_w_m2=np.maximum(ghi - dhi, 0.0), diffuse_h_w_m2=dhi,
                   air_c=rows[:, 0], wind_m_s=rows[:, 3], measured_share=None)
