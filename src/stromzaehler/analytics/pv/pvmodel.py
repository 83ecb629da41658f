"""PV output from hourly weather: one or several arrays, PVWatts-style DC and inverter.

The chain (each step the textbook model pvlib also implements, so pvlib can be the oracle):
sun position → Hay-Davies plane irradiance → ASHRAE incidence-angle loss on the beam → SAPM
cell temperature (close-mount glass/glass, a roof) → PVWatts DC with a temperature coefficient →
flat system losses (default 14 %, as PVWatts) → PVWatts inverter curve, AC limited to the
inverter's rating. Several arrays (east + west) add up on their own inverters' curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .solar import SunPosition, hay_davies, split_beam

DEFAULT_LOSSES = 0.14  # PVWatts' default system losses (soiling, wiring, mismatch, ...)
GAMMA_PDC_PER_K = -0.0037  # crystalline silicon power temperature coefficient
IAM_B0 = 0.05  # ASHRAE incidence-angle modifier parameter (pvlib default)
# SAPM temperature model, close-mount glass/glass (pvlib TEMPERATURE_MODEL_PARAMETERS['sapm']).
SAPM_A, SAPM_B, SAPM_DELTA_T = -2.98, -0.0471, 1.0
INVERTER_ETA_NOM, INVERTER_ETA_REF = 0.96, 0.9637  # PVWatts inverter defaults


@dataclass(frozen=True)
class PvArray:
    """One orientation: peak power, tilt from horizontal, azimuth (180 = south, 90 = east)."""

    kwp: float
    tilt_deg: float = 35.0
    azimuth_deg: float = 180.0

    def __post_init__(self) -> None:
        if not self.kwp >= 0:
            raise ValueError(f"kWp must be 0 or more, not {self.kwp}")
        if not 0 <= self.tilt_deg <= 90:
            raise ValueError(f"tilt must lie between 0 and 90 degrees, not {self.tilt_deg}")
        if not 0 <= self.azimuth_deg <= 360:
            raise ValueError(f"azimuth must lie between 0 and 360 degrees, not "
                             f"{self.azimuth_deg}")


def ashrae_iam(cos_aoi: np.ndarray, b0: float = IAM_B0) -> np.ndarray:
    """Share of the beam the glass lets through; 0 from the angle where the formula turns."""
    with np.errstate(divide="ignore", invalid="ignore"):
        iam = 1.0 - b0 * (1.0 / cos_aoi - 1.0)
    return np.where(cos_aoi > 0, np.clip(iam, 0.0, 1.0), 0.0)


def cell_temperature_c(poa_w_m2: np.ndarray, air_c: np.ndarray, wind_m_s: np.ndarray
                       ) -> np.ndarray:
    module = poa_w_m2 * np.exp(SAPM_A + SAPM_B * wind_m_s) + air_c
    return module + poa_w_m2 / 1000.0 * SAPM_DELTA_T


def inverter_ac_w(dc_w: np.ndarray, ac_rating_w: float) -> np.ndarray:
    """PVWatts inverter: part-load efficiency curve, output limited to the AC rating."""
    if ac_rating_w <= 0:
        return np.zeros_like(dc_w)
    dc0 = ac_rating_w / INVERTER_ETA_NOM
    zeta = np.where(dc_w > 0, dc_w / dc0, 1.0)
    eta = INVERTER_ETA_NOM / INVERTER_ETA_REF * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)
    ac = np.where(dc_w > 0, eta * dc_w, 0.0)
    return np.clip(ac, 0.0, ac_rating_w)


def array_ac_w(array: PvArray, sun: SunPosition, beam_h: np.ndarray, diffuse_h: np.ndarray,
               air_c: np.ndarray, wind_m_s: np.ndarray, losses: float = DEFAULT_LOSSES,
               dc_ac_ratio: float = 1.0) -> np.ndarray:
    """AC power (W) of one array for each weather instant (horizontal beam and diffuse in W/m²)."""
    if array.kwp == 0:
        return np.zeros(np.shape(beam_h))
    dni, dhi = split_beam(beam_h, diffuse_h, sun.zenith_deg)
    ghi = np.asarray(beam_h, dtype=np.float64) + np.asarray(diffuse_h, dtype=np.float64)
    plane = hay_davies(array.tilt_deg, array.azimuth_deg, sun, dni, dhi, ghi)
    effective = plane.beam_w_m2 * ashrae_iam(plane.cos_aoi) + plane.sky_diffuse_w_m2 \
        + plane.ground_w_m2
    cell_c = cell_temperature_c(plane.total_w_m2, air_c, wind_m_s)
    dc0_w = array.kwp * 1000.0
    dc = dc0_w * effective / 1000.0 * (1.0 + GAMMA_PDC_PER_K * (cell_c - 25.0))
    dc = np.maximum(dc, 0.0) * (1.0 - losses)
    return inverter_ac_w(dc, dc0_w / dc_ac_ratio)


def system_ac_w(arrays: list[PvArray], sun: SunPosition, beam_h: np.ndarray,
                diffuse_h: np.ndarray, air_c: np.ndarray, wind_m_s: np.ndarray,
                losses: float = DEFAULT_LOSSES) -> np.ndarray:
    """Sum of the arrays' AC power (each array with its own inverter sized to its kWp)."""
    total = np.zeros(np.shape(beam_h))
    for array in arrays:
        total += array_ac_w(array, sun, beam_h, diffuse_h, air_c, wind_m_s, losses)
    return total
