"""`doctor`'s MQTT check against a real Mosquitto."""

from __future__ import annotations

from stromzaehler.config import MqttSettings
from stromzaehler.publish.probe import probe_broker

from .conftest import free_port
from .mqtt_helpers import Broker


def test_off_without_a_host():
    result = probe_broker(MqttSettings())
    assert result.ok and "off" in result.detail


def test_nobody_listening_says_what_to_check():
    result = probe_broker(MqttSettings(host="127.0.0.1", port=free_port()))
    assert not result.ok
    assert "mqtt.host" in result.fix


def test_login_accepted_and_refused(tmp_path):
    broker = Broker(tmp_path, users={"meter": "right password"})
    broker.start()
    try:
        good = MqttSettings(
            host="127.0.0.1", port=broker.port, username="meter", password="right password"
        )
        assert probe_broker(good).ok
        result = probe_broker(good.model_copy(update={"password": "wrong"}))
        assert not result.ok
        assert "refused the login" in result.detail
        assert "mqtt.password" in result.fix
    finally:
        broker.stop()
