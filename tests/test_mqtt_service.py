"""`stromzaehler serve --simulate` with MQTT from the environment, against a real Mosquitto:
what a Home Assistant subscriber sees, the last will after kill -9, and a refused login that
does not stop the readings."""

from __future__ import annotations

import json
import signal

import pytest

from stromzaehler.publish.energy_total import EnergyTotal
from stromzaehler.store import Store

from .mqtt_helpers import Broker, Recorder, has

BASE = "stromzaehler"
DISCOVERY = "homeassistant/device/stromzaehler/config"

pytestmark = pytest.mark.slow


def broker_in(tmp_path, name: str, users: dict[str, str] | None = None) -> Broker:
    folder = tmp_path / name
    folder.mkdir()
    broker = Broker(folder, users)
    broker.start()
    return broker


def mqtt_env(broker: Broker, **extra: str) -> dict[str, str]:
    return {
        "STROMZAEHLER_MQTT_HOST": "127.0.0.1",
        "STROMZAEHLER_MQTT_PORT": str(broker.port),
        **{f"STROMZAEHLER_MQTT_{key.upper()}": value for key, value in extra.items()},
    }


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_serve_publishes_discovery_energy_power_and_offline_after_kill(tmp_path, service_factory):
    broker = broker_in(tmp_path, "broker")
    recorder = Recorder(broker.port)
    try:
        assert recorder.subscribed.wait(30)
        service = service_factory("--simulate", "--speed", "60", env=mqtt_env(broker))
        recorder.wait_for(has(f"{BASE}/status", "online"), "online")
        recorder.wait_for(has(DISCOVERY), "the discovery")
        recorder.wait_for(
            lambda ms: len([m for m in ms if m.topic == f"{BASE}/energy"]) >= 1, "an energy"
        )
        recorder.wait_for(
            lambda ms: any(m.topic == f"{BASE}/power" and m.payload.isdigit() for m in ms),
            "a power in W from the disc",
            timeout=60,
        )
        discovery = json.loads(recorder.on(DISCOVERY)[0].payload)
        assert discovery["cmps"]["energy"]["unit_of_measurement"] == "kWh"
        late = Recorder(broker.port)  # a restarted Home Assistant gets it retained
        try:
            late.wait_for(has(DISCOVERY), "the retained discovery")
            assert late.on(DISCOVERY)[0].retain
        finally:
            late.close()

        status, _, body = service.get("/metrics")
        assert status == 200
        assert metric(body.decode(), "stromzaehler_energy_joules_total") > 0
        assert "stromzaehler_power_watts" in body.decode()
        assert service.get_json("/api/health")["mqtt"]["state"] == "connected"

        service.stop(signal.SIGKILL)
        recorder.wait_for(has(f"{BASE}/status", "offline"), "the last will")
        values = [round(float(m.payload) * 1000) for m in recorder.on(f"{BASE}/energy")]
        assert values == sorted(values) and values[0] > 0
        # Never ahead of the store: the database holds at least the last value published.
        total = EnergyTotal(Store.open(service.data_dir), 10**9).current()
        assert total is not None and total.published_wh >= values[-1]
    finally:
        recorder.close()
        broker.stop()


def test_refused_login_is_reported_and_the_service_keeps_reading(tmp_path, service_factory):
    broker = broker_in(tmp_path, "secure", users={"meter": "right password"})
    try:
        env = mqtt_env(broker, username="meter", password="wrong password")
        service = service_factory("--simulate", "--speed", "60", env=env)
        service.wait_until(
            lambda: service.get_json("/api/health")["mqtt"]["state"] == "refused", "refused"
        )
        health = service.get_json("/api/health")
        assert "refused the login" in health["mqtt"]["last_error"]
        frames = health["frames_ok"]
        service.wait_until(
            lambda: service.get_json("/api/health")["frames_ok"] >= frames + 3,
            "more frames while the broker refuses",
        )
        log = (service.data_dir.parent / f"service-{service.port}.log").read_text()
        assert "check mqtt.username and mqtt.password" in log
    finally:
        broker.stop()
