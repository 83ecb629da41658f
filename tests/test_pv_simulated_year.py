"""The done-when figures on a simulated household year (3,500 kWh) near Kassel.

References for the autarky ranges (HTW Berlin's definitions: autarky = (direct + discharge) /
load): HTW Berlin's analysis of the operating data of more than 100 PV battery systems in
single-family houses (Energiespeicher-Studie / Stromspeicher-Inspektion 2024, reported by
energie-bau.at, February 2024): mean autarky 70 % with batteries of 4.9-9.7 kWh usable, grid
import down from 4,900 to 2,900 kWh/a by the PV alone (about 40 % autarky without battery).
The HTW Unabhängigkeitsrechner (volker-quaschning.de/software/unabhaengig) and installers'
summaries of it give 30-40 % without and 60-75 % with a suitably sized battery for
4,000-5,000 kWh households.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from stromzaehler.analytics.pv.compute import DataSource, run_plan
from stromzaehler.analytics.pv.request import PvRequest

START = "2025-12-31T23:00:00+00:00"  # 2026-01-01 00:00 in Berlin
TO = "2027-01-01T00:00:00+01:00"
KASSEL = {"lat": 51.31, "lon": 9.49}


@pytest.fixture(scope="module")
def year_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pv-year") / "data"
    command = [sys.executable, "-m", "stromzaehler", "simulate", "--readings-only", "--quiet",
               "--data", str(folder), "--start", START, "--days", "365", "--interval", "300",
               "--annual-kwh", "3500", "--seed", "7"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return folder


def plan(year_dir, battery_kwh: float) -> dict:
    request = PvRequest(kwp=5, battery_kwh=battery_kwh, tilt=35, azimuth="180", to=TO,
                        **KASSEL)
    return run_plan(DataSource(str(year_dir)), request)


def test_five_kwp_south_near_kassel_yields_780_to_1050_kwh_per_kwp(year_dir):
    result = plan(year_dir, 0)
    assert result["inputs"]["weather"]["name"] == "Kassel"
    assert result["year"]["load_kwh"] == pytest.approx(3500, rel=0.05)
    assert 780 <= result["year"]["pv_kwh"] / 5 <= 1050


def test_autarky_without_and_with_five_kwh_lies_in_htws_ranges(year_dir):
    without = plan(year_dir, 0)["year"]["autarky"]
    with_battery = plan(year_dir, 5)["year"]["autarky"]
    assert 0.28 <= without <= 0.42
    assert 0.58 <= with_battery <= 0.75
