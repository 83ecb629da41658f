"""The planner on a recorded store: load year and data quality, CLI, HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stromzaehler.analytics.consumption import ESTIMATED, MEASURED, MISSING
from stromzaehler.analytics.pv.compute import DataSource, run_plan
from stromzaehler.analytics.pv.load import (
    ORIGIN_GAP,
    ORIGIN_H25,
    ORIGIN_MEASURED,
    YEAR_QUARTERS,
    LoadError,
    fill_year,
)
from stromzaehler.analytics.pv.request import PvRequest
from stromzaehler.config import load_settings
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app

from .pv_store import END, fill
from .test_pv_weather import pvgis_csv

ZONE = ZoneInfo("Europe/Berlin")
PASSWORD = "meter-cabinet-1"
YEAR_KEYS = {"load_kwh", "pv_kwh", "direct_kwh", "charge_kwh", "discharge_kwh", "feed_in_kwh",
             "curtailed_kwh", "import_kwh", "self_consumption", "autarky", "cycles",
             "savings_eur", "payback_years"}
GRID_KEYS = {"kwp", "battery_kwh", "autarky", "self_consumption", "savings_eur",
             "payback_years"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pv") / "data"
    fill(folder).close()
    return folder


def test_gaps_are_filled_from_the_households_profile_and_counted():
    start = 1767222000  # 2026-01-01 00:00 Berlin
    quarters = YEAR_QUARTERS
    energy = np.full(quarters, 100, dtype=np.int64)
    quality = np.full(quarters, MEASURED, dtype=np.int8)
    quality[1000:1096] = MISSING  # a day inside the recording
    energy[1000:1096] = 0
    quality[-96 * 30:] = MISSING  # the last 30 days were never recorded
    energy[-96 * 30:] = 0
    quality[2000:2010] = ESTIMATED  # a bridged gap keeps its energy
    energy[2000:2010] = 150
    year = fill_year(start, energy, quality, ZONE)
    assert np.count_nonzero(year.origin == ORIGIN_GAP) == 96
    assert np.all(year.origin[-96 * 30:] != ORIGIN_MEASURED)
    assert year.quarter_kwh[1000:1096] == pytest.approx(0.1)  # own flat profile
    assert year.quarter_kwh[2000:2010].sum() == pytest.approx(1.5)
    quality_figures = year.data_quality()
    shares = [quality_figures[k] for k in ("measured_share", "estimated_share",
                                           "gap_filled_share", "completed_own_months_share",
                                           "completed_h25_share")]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert quality_figures["gap_quarters"] == 96


def test_months_never_recorded_are_completed_from_h25():
    start = 1767222000
    quality = np.full(YEAR_QUARTERS, MISSING, dtype=np.int8)
    quality[: 96 * 31] = MEASURED  # January only
    energy = np.where(quality == MEASURED, 120, 0)
    year = fill_year(start, energy, quality, ZONE)
    assert np.all(year.origin[96 * 59:] == ORIGIN_H25)  # from March on (no own month)
    assert year.data_quality()["measured_share"] < 0.15


def test_nothing_recorded_is_an_error():
    with pytest.raises(LoadError):
        fill_year(0, np.zeros(YEAR_QUARTERS), np.full(YEAR_QUARTERS, MISSING), ZONE)


def test_plan_on_the_store_uses_disc_minutes_and_says_how_much_was_measured(data_dir):
    result = run_plan(DataSource(str(data_dir)), PvRequest(kwp=5, battery_kwh=5, to=str(END)),
                      details=True)
    assert set(result) >= {"inputs", "data_quality", "year", "months"}
    assert set(result["year"]) == YEAR_KEYS
    assert all(set(m) == YEAR_KEYS | {"month"} for m in result["months"])
    quality = result["data_quality"]
    assert quality["finest_resolution"] == "1min" and 0 < quality["minute_share"] < 0.05
    assert 0.1 < quality["measured_share"] < 0.3  # 59 of 365 days recorded
    assert quality["completed_h25_share"] > 0.5
    check = result["resolution_check"]
    assert check["resolution"] == "1min"
    assert check["hourly_overstates_by"] == pytest.approx(check["hourly_autarky"]
                                                          - check["autarky"], abs=1e-4)
    assert len(result["details"]["typical_days"]) == 12
    assert len(result["details"]["soc_kwh_hourly"]) == 8760


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stromzaehler", "pv", *args],
                          capture_output=True, text=True, check=False, timeout=300)


def test_cli_prints_one_json_object(data_dir):
    done = run_cli("--data", str(data_dir), "--to", str(END), "--kwp", "4", "--battery-kwh",
                   "3", "--azimuth", "90,270", "--feed-in-cap", "60", "--resolution", "15min",
                   "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result["year"]) == YEAR_KEYS
    assert result["inputs"]["feed_in_cap_pct"] == 60
    assert [a["azimuth_deg"] for a in result["inputs"]["arrays"]] == [90.0, 270.0]
    assert "pv: 100 %" in done.stderr


def test_cli_grid_has_the_issues_keys(data_dir):
    done = run_cli("--data", str(data_dir), "--to", str(END), "--grid", "--kwp-grid", "0,5",
                   "--battery-grid", "0,5", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    grid = json.loads(done.stdout)
    assert set(grid) == GRID_KEYS
    assert grid["autarky"][0] == [0.0, 0.0]


@pytest.mark.parametrize(("args", "message"), [
    (("--station", "16"), "unknown weather station"),
    (("--tilt", "120"), "tilt"),
    (("--kwp", "-1"), "kwp"),
    (("--weather", __file__), "not a PVGIS"),
    (("--lat", "51"), "lat and lon"),
    (("--to", "yesterday-ish"), ""),
    (("--kwp", "many"), "invalid float value"),
    (("--resolution", "5min"), "invalid choice"),
])
def test_cli_bad_input_is_one_line_and_exit_2(data_dir, args, message):
    done = run_cli("--data", str(data_dir), *args, "--json", "--quiet")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr


@pytest.fixture(scope="module")
def client(data_dir):
    from stromzaehler.store import Store

    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})
    store = Store.open(data_dir)
    set_password(store, PASSWORD)
    app = create_app(settings, store, None)
    with TestClient(app) as test_client:
        yield test_client
    if getattr(app.state, "pv_worker", None) is not None:
        app.state.pv_worker.close()


def test_http_plan_grid_and_progress(client):
    response = client.get("/api/pv", params={"kwp": 5, "battery_kwh": 5, "to": str(END),
                                             "resolution": "15min"})
    assert response.status_code == 200, response.text
    assert set(response.json()["year"]) == YEAR_KEYS
    again = client.get("/api/pv", params={"kwp": 5, "battery_kwh": 5, "to": str(END),
                                          "resolution": "15min"})
    assert again.json() == response.json()  # from the cache
    grid = client.get("/api/pv/grid", params={"to": str(END), "kwp_grid": "1-3",
                                              "battery_grid": "0,5"})
    assert grid.status_code == 200, grid.text
    assert set(grid.json()) == GRID_KEYS and len(grid.json()["autarky"]) == 3
    assert client.get("/api/pv/progress").json() == {"running": False, "done": 1.0}
    assert len(client.get("/api/pv/stations").json()["stations"]) == 15


@pytest.mark.parametrize("params", [{"tilt": 120}, {"kwp": -1}, {"station": 0},
                                    {"kwp": "many"}, {"resolution": "5min"},
                                    {"kwp_grid": "a-b"}, {"lat": 51},
                                    {"kwp_grid": "0-100"}])
def test_http_bad_input_is_422(client, params):
    path = "/api/pv/grid" if "kwp_grid" in params else "/api/pv"
    response = client.get(path, params={"to": str(END), **params})
    assert response.status_code == 422, response.text


def test_an_uploaded_pvgis_tmy_is_the_weather_on_request(client):
    from stromzaehler.analytics.pv.weather import try_weather

    data = pvgis_csv(try_weather(7))
    assert client.put("/api/pv/weather", content=data).status_code == 401
    login = client.post("/api/login", json={"password": PASSWORD})
    headers = {"X-CSRF-Token": login.json()["csrf_token"], "Content-Type": "text/csv"}
    assert client.put("/api/pv/weather", content=b"no,csv", headers=headers).status_code == 422
    too_large = b"x" * 4_000_001
    assert client.put("/api/pv/weather", content=too_large, headers=headers).status_code == 413
    stored = client.put("/api/pv/weather", content=data, headers=headers)
    assert stored.status_code == 200, stored.text
    assert stored.json()["source"] == "pvgis"
    response = client.get("/api/pv", params={"weather": "pvgis", "to": str(END),
                                             "resolution": "60min"})
    assert response.status_code == 200, response.text
    assert response.json()["inputs"]["weather"]["source"] == "pvgis"
    assert client.get("/api/pv/stations").json()["pvgis_uploaded"] is True
    assert client.delete("/api/pv/weather", headers=headers).status_code == 200
    gone = client.get("/api/pv", params={"weather": "pvgis", "to": str(END)})
    assert gone.status_code == 422


def _stat(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), None when gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _planner_processes(parent: int, started_from: int) -> list[int]:
    """This venv's multiprocessing children of `parent` started at or after `started_from`
    (clock ticks since boot)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields is None or int(fields[1]) != parent or int(fields[19]) < started_from:
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "multiprocessing" in command and sys.executable in command:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_the_planner_worker_ends_with_the_service(data_dir):
    import time

    from .conftest import http_get, start_service

    running = start_service(data_dir, "--source", "simulated", "--interval", "3600")
    started = int(_stat(running.process.pid)[19])
    try:
        running.wait_until(lambda: running.get("/api/health")[0] == 200, "the service")
        # Two jobs at once, as the page asks, then one more.
        paths = [f"/api/pv?to={END}&resolution=60min", f"/api/pv/grid?to={END}&kwp_grid=1-3",
                 f"/api/pv?to={END}&resolution=60min&kwp=3"]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda path: http_get(running.url + path, timeout=120),
                                    paths))
        assert [status for status, _, _ in answers] == [200, 200, 200]
        assert _planner_processes(running.process.pid, started), "the planner is a process"
    finally:
        running.stop()
    # What the service started and left behind now belongs to init (or a subreaper).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _planner_processes(1, started):
        time.sleep(0.2)
    assert not _planner_processes(1, started), "planner processes outlived the service"
