"""GET /metrics, the MQTT settings in the web interface, the publisher in /api/health."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from stromzaehler.config import load_settings
from stromzaehler.store import Store
from stromzaehler.store.revolutions import RevolutionStore
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app
from stromzaehler.web.errors import detail_text

PASSWORD = "correct horse"
T0 = 1_780_000_000


@pytest.fixture
def store(tmp_path):
    return Store.open(tmp_path / "data")


@pytest.fixture
def app(tmp_path, store):
    data_dir = str(tmp_path / "data")
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": data_dir}})
    set_password(store, PASSWORD)
    return create_app(settings, store, None)


@pytest.fixture
def client(app):
    return TestClient(app)


def samples(client: TestClient) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_hold_energy_in_joules_power_frames_and_process(client, store):
    store.add_reading(T0, 99_516_000, 0.99, "camera")
    store.add_reading(T0 + 60, 99_516_100, 0.99, "camera")
    store.log_frame(T0, "camera", "accepted")
    store.log_frame(T0 + 30, "camera", "rejected", "too_fast")
    store.log_frame(T0 + 45, "camera", "failed", "internal error: boom")
    store.log_frame(T0 + 60, "camera", "accepted")
    # One revolution every 9.6 s at 75 revolutions per kWh: 5000 W.
    RevolutionStore(store).add([(T0 + 50.0, True, "crossing"), (T0 + 59.6, True, "crossing")])

    values = samples(client)
    assert values[("stromzaehler_energy_joules_total", ())] == 99_516_100 * 3600
    assert values[("stromzaehler_frames_total", (("reason", ""), ("status", "accepted")))] == 2
    rejected = (("reason", "too_fast"), ("status", "rejected"))
    assert values[("stromzaehler_frames_total", rejected)] == 1
    failed = (("reason", "internal error"), ("status", "failed"))
    assert values[("stromzaehler_frames_total", failed)] == 1
    assert values[("stromzaehler_readings_stored", ())] == 2
    assert values[("stromzaehler_last_reading_timestamp_seconds", ())] == T0 + 60
    assert values[("stromzaehler_disc_revolutions_total", ())] == 2
    assert values[("stromzaehler_mqtt_connected", ())] == 0
    assert values[("stromzaehler_mqtt_state", (("state", "off"),))] == 1
    assert values[("process_resident_memory_bytes", ())] > 0
    # The power is an upper bound this long after the last pass, but it is there.
    assert ("stromzaehler_power_watts", ()) in values


def test_metrics_counters_never_fall_when_a_reading_is_corrected_down(client, store):
    from stromzaehler.store.counters import CounterStore

    store.add_reading(T0, 99_516_000, 0.99, "camera")
    store.add_reading(T0 + 60, 99_516_500, 0.99, "camera")
    before = samples(client)[("stromzaehler_energy_joules_total", ())]
    CounterStore(store).set_correction(T0 + 60, 99_516_000, T0 + 100, "misread")
    store.add_reading(T0 + 120, 99_516_100, 0.99, "camera")
    assert samples(client)[("stromzaehler_energy_joules_total", ())] == before


def test_metrics_without_readings_leave_energy_and_power_out(client):
    values = samples(client)
    assert ("stromzaehler_energy_joules_total", ()) not in values
    assert ("stromzaehler_power_watts", ()) not in values


def test_metrics_are_closed_when_reading_needs_login(tmp_path, store):
    settings = load_settings(
        environ={},
        overrides={"storage": {"data_dir": str(tmp_path / "data")}, "auth": {"open_read": False}},
    )
    assert TestClient(create_app(settings, store, None)).get("/metrics").status_code == 401


def login(client: TestClient) -> dict[str, str]:
    response = client.post("/api/login", json={"password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def test_mqtt_password_is_written_but_never_read_back(client, app, tmp_path):
    heard = []
    app.state.context.hub.subscribe(heard.append)
    change = {"mqtt": {"host": "broker.lan", "username": "meter", "password": "s3cret"}}
    response = client.put("/api/settings", json=change, headers=login(client))
    assert response.status_code == 200, response.text
    shown = client.get("/api/settings").json()["mqtt"]
    assert shown["host"] == "broker.lan"
    assert shown["password"] is None and shown["password_set"] is True
    assert "s3cret" not in client.get("/api/settings").text
    assert heard and heard[-1].mqtt.password == "s3cret"  # the publisher hears the change
    assert (tmp_path / "data" / "settings.toml").stat().st_mode & 0o077 == 0  # owner only


def test_metrics_follow_the_plate_value_the_owner_saves(client, store):
    import time

    # One revolution every 9.6 s, the last a second ago: 5000 W at 75 revolutions per kWh.
    now = time.time()
    RevolutionStore(store).add([(now - 1.0 - 9.6 * i, True, "crossing") for i in range(4)])
    power = ("stromzaehler_power_watts", ())
    assert samples(client)[power] == pytest.approx(5000, rel=1e-3)
    # The Set-up page saves the meter's plate value with the boxes.
    response = client.put(
        "/api/setup/geometry", json={"revolutions_per_kwh": 150}, headers=login(client)
    )
    assert response.status_code == 200, response.text
    assert samples(client)[power] == pytest.approx(2500, rel=1e-3)


def test_bad_mqtt_topic_is_refused_with_the_key(client):
    change = {"mqtt": {"base_topic": "meter/#"}}
    response = client.put("/api/settings", json=change, headers=login(client))
    assert response.status_code == 422
    assert "mqtt.base_topic" in detail_text(response.json())


def test_health_says_the_publisher_is_off_without_one(client):
    assert client.get("/api/health").json()["mqtt"] == {"state": "off"}
