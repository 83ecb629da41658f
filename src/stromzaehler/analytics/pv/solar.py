"""Sun position, extraterrestrial irradiance and Hay-Davies transposition, in NumPy only.

Runs on the Pi's Debian NumPy (1.24 on bookworm, 2.2 on trixie): no pvlib, pandas or scipy.
The formulas are the textbook ones pvlib also offers (Spencer 1971 for declination, equation of
time and the sun-earth distance; Hay & Davies 1980 for the sky diffuse on a tilted plane), so
the test oracle (tests/test_pv_oracle.py) compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SOLAR_CONSTANT_W_M2 = 1366.1  # pvlib's get_extra_radiation default
GROUND_ALBEDO = 0.2  # grass/roofs; the common default (pvlib, PVGIS)
# Below this sun elevation cos(zenith) is too small to turn horizontal beam into normal beam
# reliably: the measured horizontal beam is then counted as diffuse (energy is kept).
MIN_BEAM_ELEVATION_DEG = 3.0
_DAY_S = 86400


@dataclass(frozen=True)
class SunPosition:
    """Per instant: zenith and azimuth in degrees (azimuth 180 = south, 90 = east)."""

    zenith_deg: np.ndarray
    azimuth_deg: np.ndarray
    day_of_year: np.ndarray


def _day_angle(t_utc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(day of year 1..366 as float, Spencer's day angle in radians) of UTC instants."""
    t = np.asarray(t_utc, dtype=np.float64)
    days = np.floor(t / _DAY_S)
    # Day of year from the civil calendar (numpy datetime64 needs no time zone here: UTC).
    dates = days.astype("int64").astype("datetime64[D]")
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    day_of_year = (dates - year_start).astype(np.int64) + 1
    fraction = (t - days * _DAY_S) / _DAY_S
    gamma = 2 * np.pi * (day_of_year - 1 + fraction) / 365.0
    return day_of_year.astype(np.float64), gamma


def sun_position(t_utc: np.ndarray, latitude_deg: float, longitude_deg: float) -> SunPosition:
    """Sun position (no refraction) at UTC instants for a place (east longitude positive)."""
    day_of_year, g = _day_angle(t_utc)
    declination = (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g)
                   - 0.006758 * np.cos(2 * g) + 0.000907 * np.sin(2 * g)
                   - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))
    equation_of_time_min = 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
                                     - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g))
    t = np.asarray(t_utc, dtype=np.float64)
    utc_minutes = (t % _DAY_S) / 60.0
    solar_minutes = utc_minutes + 4.0 * longitude_deg + equation_of_time_min
    hour_angle = np.radians(solar_minutes / 4.0 - 180.0)
    lat = np.radians(latitude_deg)
    cos_zenith = (np.sin(lat) * np.sin(declination)
                  + np.cos(lat) * np.cos(declination) * np.cos(hour_angle))
    cos_zenith = np.clip(cos_zenith, -1.0, 1.0)
    zenith = np.arccos(cos_zenith)
    # Azimuth from north, clockwise: atan2 form is stable at all hour angles.
    azimuth = np.arctan2(
        np.sin(hour_angle),
        np.cos(hour_angle) * np.sin(lat) - np.tan(declination) * np.cos(lat),
    )
    azimuth_deg = (np.degrees(azimuth) + 180.0) % 360.0
    return SunPosition(np.degrees(zenith), azimuth_deg, day_of_year)


def extraterrestrial_w_m2(day_of_year: np.ndarray) -> np.ndarray:
    """Normal irradiance above the atmosphere (Spencer's sun-earth distance factor)."""
    b = 2 * np.pi * np.asarray(day_of_year, dtype=np.float64) / 365.0
    return SOLAR_CONSTANT_W_M2 * (1.00011 + 0.034221 * np.cos(b) + 0.00128 * np.sin(b)
                                  + 0.000719 * np.cos(2 * b) + 0.000077 * np.sin(2 * b))


def split_beam(ghi_beam_w_m2: np.ndarray, dhi_w_m2: np.ndarray, zenith_deg: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(DNI, DHI) from horizontal beam and diffuse: DNI = B / cos(zenith) while the sun is high
    enough; below MIN_BEAM_ELEVATION_DEG the beam is counted as diffuse."""
    beam = np.asarray(ghi_beam_w_m2, dtype=np.float64)
    diffuse = np.asarray(dhi_w_m2, dtype=np.float64)
    high = zenith_deg < 90.0 - MIN_BEAM_ELEVATION_DEG
    cos_zenith = np.cos(np.radians(np.where(high, zenith_deg, 0.0)))
    dni = np.where(high, beam / cos_zenith, 0.0)
    return dni, np.where(high, diffuse, diffuse + beam)


def cos_incidence(tilt_deg: float, azimuth_deg: float, sun: SunPosition) -> np.ndarray:
    """cos of the angle between the sun and the plane's normal (may be negative: sun behind)."""
    tilt, plane_az = np.radians(tilt_deg), np.radians(azimuth_deg)
    zen, sun_az = np.radians(sun.zenith_deg), np.radians(sun.azimuth_deg)
    return (np.cos(zen) * np.cos(tilt)
            + np.sin(zen) * np.sin(tilt) * np.cos(sun_az - plane_az))


@dataclass(frozen=True)
class PlaneIrradiance:
    beam_w_m2: np.ndarray
    sky_diffuse_w_m2: np.ndarray
    ground_w_m2: np.ndarray
    cos_aoi: np.ndarray

    @property
    def total_w_m2(self) -> np.ndarray:
        return self.beam_w_m2 + self.sky_diffuse_w_m2 + self.ground_w_m2


def hay_davies(tilt_deg: float, azimuth_deg: float, sun: SunPosition, dni: np.ndarray,
               dhi: np.ndarray, ghi: np.ndarray, albedo: float = GROUND_ALBEDO
               ) -> PlaneIrradiance:
    """Irradiance on a tilted plane: beam, Hay-Davies sky diffuse (isotropic part plus a
    circumsolar part weighted by the anisotropy index DNI / E0) and ground reflection."""
    cos_aoi = cos_incidence(tilt_deg, azimuth_deg, sun)
    beam = dni * np.maximum(cos_aoi, 0.0)
    anisotropy = dni / extraterrestrial_w_m2(sun.day_of_year)
    cos_zenith = np.maximum(np.cos(np.radians(sun.zenith_deg)), 0.01745)  # as pvlib clips
    ratio = np.maximum(cos_aoi, 0.0) / cos_zenith
    tilt = np.radians(tilt_deg)
    isotropic = np.maximum(dhi * (1 - anisotropy) * 0.5 * (1 + np.cos(tilt)), 0.0)
    circumsolar = np.maximum(dhi * anisotropy * ratio, 0.0)
    ground = ghi * albedo * 0.5 * (1 - np.cos(tilt))
    return PlaneIrradiance(beam, isotropic + circumsolar, ground, cos_aoi)
