"""Packaged TRY 2010 weather: regions by polygon, stations, PVGIS TMY files."""

from __future__ import annotations

import numpy as np
import pytest

from stromzaehler.analytics.pv import weather
from stromzaehler.analytics.pv.weather import WeatherError


def test_fifteen_stations_with_full_years_and_credit():
    assert [s.number for s in weather.stations()] == list(range(1, 16))
    year = weather.try_weather(7)
    assert year.name == "Kassel"
    assert year.beam_h_w_m2.shape == (weather.HOURS,)
    assert year.beam_h_w_m2.min() >= 0 and year.diffuse_h_w_m2.min() >= 0
    # a year of horizontal irradiance in Germany: roughly 950-1250 kWh/m²
    total = (year.beam_h_w_m2 + year.diffuse_h_w_m2).sum() / 1000
    assert 900 < total < 1300
    assert "Deutscher Wetterdienst" in weather.SOURCE_NOTE


@pytest.mark.parametrize("number", range(1, 16))
def test_every_station_lies_in_its_own_region(number):
    station = weather.station(number)
    assert weather.region_of(station.latitude, station.longitude) == number


def test_places_map_to_regions_and_outside_germany_to_the_nearest_station():
    assert weather.region_of(52.52, 13.40) == 4  # Berlin: Nordostdeutsches Tiefland
    assert weather.region_of(48.14, 11.58) == 13  # Munich: Alpenvorland
    assert weather.region_of(47.37, 8.54) == weather.nearest_station(47.37, 8.54)  # Zurich


@pytest.mark.parametrize("bad", [(91, 0), (0, 181)])
def test_impossible_places_are_refused(bad):
    with pytest.raises(WeatherError):
        weather.region_of(*bad)


def test_unknown_station_is_refused():
    with pytest.raises(WeatherError, match="unknown weather station"):
        weather.station(16)


def pvgis_csv(year: weather.Weather) -> bytes:
    """A TMY in the layout PVGIS exports (header lines, time(UTC) table, footer), written from
    a TRY year so that the parse can be checked against known values."""
    lines = ["Latitude (decimal degrees):\t51.300", "Longitude (decimal degrees):\t9.450",
             "Elevation (m):\t231", "months selected:", "month,year", "1,2012",
             "time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP"]
    ghi = year.beam_h_w_m2 + year.diffuse_h_w_m2
    for hour in range(weather.HOURS):
        stamp = np.datetime64("2012-01-01T00:00") + np.timedelta64(hour, "h")
        text = str(stamp).replace("-", "").replace("T", ":").replace(":00", "", 1)[:13]
        lines.append(f"{text},{year.air_c[hour]:.2f},80,{ghi[hour]:.1f},0,"
                     f"{year.diffuse_h_w_m2[hour]:.1f},300,{year.wind_m_s[hour]:.2f},180,99000")
    lines += ["T2m: 2-m air temperature (degree Celsius)", "PVGIS (c) European Union, 2001-2024"]
    return "\n".join(lines).encode()


def test_a_pvgis_tmy_is_read_onto_the_reference_year():
    year = weather.try_weather(7)
    parsed = weather.parse_pvgis_tmy(pvgis_csv(year))
    assert parsed.source == "pvgis" and parsed.latitude == pytest.approx(51.3)
    # UTC rows move one hour later onto MEZ: PVGIS row 0 (00:00 UTC) is MEZ row 1.
    np.testing.assert_allclose(parsed.diffuse_h_w_m2[1:], year.diffuse_h_w_m2[:-1], atol=0.1)
    np.testing.assert_allclose(parsed.air_c[1:], year.air_c[:-1], atol=0.01)


@pytest.mark.parametrize("data", [b"not,a,pvgis,file\n1,2,3,4", b"\xff\xfe\x00",
                                  b"Latitude (decimal degrees):\t51\nLongitude (decimal "
                                  b"degrees):\t9\ntime(UTC),T2m,G(h),Gd(h),WS10m\n1,2,3,4,5"])
def test_files_that_are_not_a_pvgis_tmy_are_refused(data):
    with pytest.raises(WeatherError):
        weather.parse_pvgis_tmy(data)


def test_rows_of_instants_follow_mez_and_skip_29_february():
    year = weather.try_weather(1)
    start = weather.REFERENCE_YEAR_START_UTC  # 2010-01-01 00:00 MEZ
    rows = year.row_of(np.array([start + year.hour_start_s, start + year.hour_start_s + 3600]))
    assert rows.tolist() == [0, 1]
    leap_day_noon = 1330513200  # 2012-02-29 12:00 MEZ
    feb_28_noon = leap_day_noon - 86400
    assert year.row_of(np.array([leap_day_noon])) == year.row_of(np.array([feb_28_noon]))


def test_the_hour_convention_of_a_pvgis_file_is_found_from_the_weather():
    from stromzaehler.analytics.pv.convention import east_west_ratio, most_symmetric

    year = weather.try_weather(7)  # centred on the label: MEZ hour start 30 min after HH - 1
    # pvgis_csv writes TRY row k at UTC hour k, read back as MEZ row k + 1 starting at
    # 3600 (k + 1) s; the TRY value belongs to [1800 + 3600 k, + 3600): a start of -1800 s.
    found = most_symmetric(weather.parse_pvgis_tmy(pvgis_csv(year)), -3600, 0)
    assert found.hour_start_s == year.hour_start_s - 3600
    assert 0.93 <= east_west_ratio(found) <= 1.07
