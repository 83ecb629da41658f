"""Consumption, profile, CSV export and counter events through FastAPI's test client."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stromzaehler.config import load_settings
from stromzaehler.store import Store
from stromzaehler.web import api_consumption
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app
from stromzaehler.web.errors import detail_text

PASSWORD = "correct horse"
DAY0 = int(datetime.fromisoformat("2026-10-24T00:00+02:00").timestamp())


def with_consumption_router(app):
    app.include_router(api_consumption.router)
    static = [route for route in app.router.routes if getattr(route, "name", "") == "static"]
    for route in static:  # keep the static files mounted at / behind the API
        app.router.routes.remove(route)
        app.router.routes.append(route)
    return app


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "data")
    t = np.arange(DAY0 - 3600, DAY0 + 3 * 86400, 60, dtype=np.int64)
    counter = 99_516_000 + (t - DAY0) // 6 // 100 * 100  # 600 W, rollers in 100 Wh steps
    store.add_readings_bulk(
        [(int(a), int(b), 1.0, "simulated") for a, b in zip(t, counter, strict=True)]
    )
    set_password(store, PASSWORD)
    return store


@pytest.fixture
def client(tmp_path, store):
    settings = load_settings(environ={},
                             overrides={"storage": {"data_dir": str(tmp_path / "data")}})
    return TestClient(with_consumption_router(create_app(settings, store, None)))


def login(client: TestClient) -> dict[str, str]:
    response = client.post("/api/login", json={"password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_autumn_day_has_25_hourly_buckets_with_offsets(client):
    response = client.get("/api/consumption",
                          params={"resolution": "hour", "from": "2026-10-25", "to": "2026-10-26"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resolution"] == "hour" and body["timezone"] == "Europe/Berlin"
    assert len(body["buckets"]) == 25
    assert body["buckets"][2]["start"] == "2026-10-25T02:00:00+02:00"
    assert body["buckets"][3]["start"] == "2026-10-25T02:00:00+01:00"
    assert {b["kwh"] for b in body["buckets"]} == {0.6}
    assert {b["quality"] for b in body["buckets"]} == {"measured"}
    assert body["total_kwh"] == 15.0


def test_days_without_data_are_missing_with_null_not_zero(client):
    body = client.get("/api/consumption",
                      params={"resolution": "day", "from": "2026-10-23", "to": "2026-10-28"}
                      ).json()
    # Recording from 23 October 23:00 to 26 October 22:59: the first and the last day are
    # partly covered and show what was used in the covered part; 27 October has no data.
    assert [b["quality"] for b in body["buckets"]] == [
        "partial", "measured", "measured", "partial", "missing"]
    kwh = [b["kwh"] for b in body["buckets"]]
    assert kwh[1:3] == [14.4, 15.0] and kwh[4] is None
    assert kwh[0] == pytest.approx(0.6, abs=0.1)  # one hour at 600 W (100 Wh roller steps)
    assert kwh[3] == pytest.approx(0.6 * (22 + 59 / 60), abs=0.1)
    assert body["buckets"][0]["coverage"] == pytest.approx(1 / 24, abs=1e-3)
    assert body["total_kwh"] == pytest.approx(sum(kwh[:4]), abs=1e-6)
    assert body["missing_buckets"] == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"resolution": "week"}, "resolution='week'"),
        ({"resolution": "minute", "from": "2026-01-01", "to": "2026-03-01"}, "too long"),
        ({"resolution": "day", "from": "yesterday"}, "from='yesterday'"),
        ({"resolution": "day", "from": "2026-10-25", "to": "2026-10-24"}, "before"),
    ],
)
def test_bad_parameters_are_422_with_a_message(client, params, message):
    response = client.get("/api/consumption", params=params)
    assert response.status_code == 422
    assert message in detail_text(response.json())


def test_epoch_seconds_are_accepted(client):
    body = client.get("/api/consumption", params={"resolution": "15min", "from": DAY0 + 3600,
                                                   "to": DAY0 + 7200}).json()
    assert [b["kwh"] for b in body["buckets"]] == [0.15] * 4


def test_csv_for_german_spreadsheets(client):
    response = client.get("/api/export.csv", params={
        "resolution": "day", "from": "2026-10-24", "to": "2026-10-27", "sep": ";",
        "decimal": ","})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text), delimiter=";"))
    assert rows[0] == ["start", "end", "kwh", "quality"]
    assert rows[1] == ["2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00", "14,400",
                       "measured"]
    assert rows[2][2] == "15,000"
    assert rows[3][3] == "partial" and rows[3][2] != ""  # the recording stops on this day
    plain = client.get("/api/export.csv", params={"resolution": "day", "from": "2026-10-24",
                                                   "to": "2026-10-25"}).text
    assert plain.splitlines()[1].endswith(",14.400,measured")
    bad = client.get("/api/export.csv", params={"resolution": "day", "sep": ",", "decimal": ","})
    assert bad.status_code == 422


def test_profile_reports_figures(client):
    body = client.get("/api/profile", params={"from": "2026-10-24", "to": "2026-10-26"}).json()
    assert body["mean_power_w"] == 600.0
    assert body["base_load_w"] == 600.0
    assert len(body["heatmap"]["dates"]) == 2
    assert body["h0"]["scale_kwh_per_year"] > 0


def test_counter_events_need_login(client):
    response = client.post("/api/counter/manual", json={"time": "2026-10-27T12:00",
                                                       "counter_kwh": 99990.0})
    assert response.status_code == 401


def test_correction_through_the_api_changes_the_buckets(client):
    headers = login(client)
    params = {"resolution": "15min", "from": DAY0 + 3600, "to": DAY0 + 7200}
    before = [b["kwh"] for b in client.get("/api/consumption", params=params).json()["buckets"]]
    target = DAY0 + 3600 + 900
    wrong = {"time": str(target), "counter_wh": 99_516_000 + (target - DAY0) // 600 * 100 + 3000}
    refused = client.post("/api/counter/correction", headers=headers, json=wrong)
    # 3 kWh more in a minute than the one before: more than the gate's highest power allows
    assert refused.status_code == 422 and "plus what" in detail_text(refused.json())
    response = client.post("/api/counter/correction", headers=headers,
                           json={**wrong, "force": True})
    assert response.status_code == 200, response.text
    after = [b["kwh"] for b in client.get("/api/consumption", params=params).json()["buckets"]]
    # the corrected reading moves about 3 kWh from one quarter hour into the other
    assert after[0] == pytest.approx(before[0] + 3.0, abs=0.1)
    assert after[1] == pytest.approx(before[1] - 3.0, abs=0.1)
    assert sum(after) == pytest.approx(sum(before), abs=0.002)
    missing = client.post("/api/counter/correction", headers=headers,
                          json={"time": str(target + 1), "void": True})
    assert missing.status_code == 422 and "no reading" in detail_text(missing.json())
    events = client.get("/api/counter/events").json()
    assert events["corrections"][0]["t_utc"] == target


def test_manual_reading_and_meter_replacement(client):
    headers = login(client)
    last = DAY0 + 3 * 86400 - 60
    manual_t = last + 3600
    response = client.post("/api/counter/manual", headers=headers,
                           json={"time": str(manual_t), "counter_wh": 99_516_000
                                 + (manual_t - DAY0) // 6})
    assert response.status_code == 200, response.text
    swap = client.post("/api/counter/replacement", headers=headers, json={
        "time": str(manual_t + 60), "old_end_kwh": (99_516_000 + (manual_t + 60 - DAY0) // 6)
        / 1000, "new_start_kwh": 0.0})
    assert swap.status_code == 200, swap.text
    assert client.post("/api/counter/manual", headers=headers, json={
        "time": str(manual_t + 3600 + 60), "counter_wh": 600}).status_code == 200
    body = client.get("/api/consumption", params={"resolution": "hour", "from": last - 3600,
                                                   "to": last + 2 * 3600}).json()
    kwh = [b["kwh"] for b in body["buckets"]]
    # across the manual reading and the new meter; with rollers in 100 Wh steps each end of a
    # gap is known to half a step
    assert kwh[1:3] == pytest.approx([0.6, 0.6], abs=0.1)
    assert all(b["quality"] == "estimated" for b in body["buckets"][1:3])
    wrong = client.post("/api/counter/manual", headers=headers,
                        json={"time": str(manual_t), "counter_kwh": 1e7})
    assert wrong.status_code == 422 and "outside" in detail_text(wrong.json())


def test_the_running_period_is_missing_but_tells_what_was_used_so_far(client):
    days = client.get("/api/consumption", params={"resolution": "day", "from": "2026-10-25",
                                                  "to": "2026-10-28"}).json()["buckets"]
    running = days[1]  # 26 October; the latest reading is at 22:59 +01:00
    assert running["quality"] == "partial" and running["kwh"] == running["partial_kwh"]
    assert running["coverage"] == pytest.approx((22 + 59 / 60) / 24, abs=1e-3)
    assert running["partial_until"] == "2026-10-26T22:59:00+01:00"
    assert running["partial_kwh"] == pytest.approx(0.6 * (22 + 59 / 60), abs=0.06)
    assert "partial_kwh" not in days[0] and "partial_kwh" not in days[2]
    minutes = client.get("/api/consumption", params={"resolution": "minute",
                                                     "from": "2026-10-26T22:00",
                                                     "to": "2026-10-26T23:00"}).json()["buckets"]
    hour = client.get("/api/consumption", params={"resolution": "hour",
                                                  "from": "2026-10-26T22:00",
                                                  "to": "2026-10-26T23:00"}).json()["buckets"]
    assert hour[0]["partial_until"] == "2026-10-26T22:59:00+01:00"
    assert hour[0]["partial_kwh"] == pytest.approx(sum(m["kwh"] for m in minutes[:59]), abs=0.002)
    assert minutes[59]["quality"] == "missing" and "partial_kwh" not in minutes[59]
