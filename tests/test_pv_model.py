"""PV model: pvlib as the oracle (PC only), east/west symmetry of every TRY station, Kassel."""

from __future__ import annotations

import numpy as np
import pytest

from stromzaehler.analytics.pv import pvmodel, weather
from stromzaehler.analytics.pv.pvmodel import PvArray, system_ac_w
from stromzaehler.analytics.pv.solar import MIN_BEAM_ELEVATION_DEG, sun_position

STATIONS = range(1, 16)
ORIENTATIONS = {"south": 180.0, "east": 90.0, "west": 270.0}


def annual_kwh(station: int, array: PvArray) -> float:
    year = weather.try_weather(station)
    sun = sun_position(year.center_utc, year.latitude, year.longitude)
    power = system_ac_w([array], sun, year.beam_h_w_m2, year.diffuse_h_w_m2, year.air_c,
                        year.wind_m_s)
    return float(power.sum()) / 1000.0


@pytest.mark.parametrize("station", STATIONS)
def test_east_and_west_arrays_yield_alike_with_the_hour_convention_found(station: int) -> None:
    east = annual_kwh(station, PvArray(1.0, 30.0, 90.0))
    west = annual_kwh(station, PvArray(1.0, 30.0, 270.0))
    assert 0.93 <= east / west <= 1.07


def test_five_kwp_south_near_kassel_yields_a_plausible_amount() -> None:
    station = weather.region_of(51.32, 9.50)  # Kassel
    assert weather.station(station).name == "Kassel"
    assert 780 <= annual_kwh(station, PvArray(5.0, 35.0, 180.0)) / 5.0 <= 1050


def pvlib_annual_kwh(station: int, array: PvArray) -> float:
    """The same chain built from pvlib's own functions."""
    pvlib = pytest.importorskip("pvlib", reason="pvlib, the oracle, is in the PC's test extra")
    import pandas as pd
    year = weather.try_weather(station)
    times = pd.to_datetime(year.center_utc, unit="s", utc=True)
    position = pvlib.solarposition.get_solarposition(times, year.latitude, year.longitude)
    zenith = position["zenith"].to_numpy()
    high = zenith < 90.0 - MIN_BEAM_ELEVATION_DEG
    dni = np.where(high, year.beam_h_w_m2 / np.cos(np.radians(np.where(high, zenith, 0))), 0)
    dhi = np.where(high, year.diffuse_h_w_m2, year.diffuse_h_w_m2 + year.beam_h_w_m2)
    ghi = year.beam_h_w_m2 + year.diffuse_h_w_m2
    poa = pvlib.irradiance.get_total_irradiance(
        array.tilt_deg, array.azimuth_deg, zenith, position["azimuth"].to_numpy(), dni, ghi,
        dhi, dni_extra=pvlib.irradiance.get_extra_radiation(times).to_numpy(),
        model="haydavies", albedo=0.2)
    aoi = pvlib.irradiance.aoi(array.tilt_deg, array.azimuth_deg, zenith,
                               position["azimuth"].to_numpy())
    effective = poa["poa_direct"] * pvlib.iam.ashrae(aoi, pvmodel.IAM_B0) + poa["poa_diffuse"]
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["close_mount_glass_glass"]
    cell = pvlib.temperature.sapm_cell(poa["poa_global"], year.air_c, year.wind_m_s, **params)
    dc = pvlib.pvsystem.pvwatts_dc(effective, cell, array.kwp * 1000, pvmodel.GAMMA_PDC_PER_K)
    dc = np.asarray(dc) * (1 - pvmodel.DEFAULT_LOSSES)
    ac = pvlib.inverter.pvwatts(dc, array.kwp * 1000 / pvmodel.INVERTER_ETA_NOM,
                                pvmodel.INVERTER_ETA_NOM, pvmodel.INVERTER_ETA_REF)
    return float(np.nansum(ac)) / 1000.0


@pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofyear is deprecated")
@pytest.mark.parametrize("station", STATIONS)
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_annual_yield_matches_pvlib_within_two_percent(station: int, orientation: str) -> None:
    array = PvArray(5.0, 35.0, ORIENTATIONS[orientation])
    ours = annual_kwh(station, array)
    oracle = pvlib_annual_kwh(station, array)
    assert ours == pytest.approx(oracle, rel=0.02)


def test_east_plus_west_is_the_sum_of_the_two_arrays() -> None:
    year = weather.try_weather(7)
    sun = sun_position(year.center_utc, year.latitude, year.longitude)
    args = (sun, year.beam_h_w_m2, year.diffuse_h_w_m2, year.air_c, year.wind_m_s)
    east, west = PvArray(3.0, 30.0, 90.0), PvArray(2.0, 30.0, 270.0)
    both = system_ac_w([east, west], *args)
    np.testing.assert_allclose(both, system_ac_w([east], *args) + system_ac_w([west], *args))


def test_zero_kwp_yields_nothing() -> None:
    assert annual_kwh(7, PvArray(0.0)) == 0.0


@pytest.mark.parametrize(("kwp", "tilt", "azimuth"), [(-1, 30, 180), (5, 120, 180),
                                                      (5, 30, 400)])
def test_impossible_arrays_are_refused(kwp: float, tilt: float, azimuth: float) -> None:
    with pytest.raises(ValueError):
        PvArray(kwp, tilt, azimuth)
