"""End-to-end: the MQTT fields on the settings page reach the running publisher."""

from __future__ import annotations

import pytest

from ..mqtt_helpers import Broker, Recorder, has
from .conftest import api_json, log_in

pytestmark = pytest.mark.browser


def test_broker_set_on_the_settings_page_is_used_at_once(service, page_factory, tmp_path):
    broker = Broker(tmp_path)
    broker.start()
    recorder = Recorder(broker.port)
    page, _ = page_factory()
    try:
        page.goto("/#/settings")
        log_in(page)
        page.wait_for_selector("#mqtt-form")
        page.fill("input[name=mqtt_host]", "127.0.0.1")
        page.fill("input[name=mqtt_port]", str(broker.port))
        page.fill("input[name=mqtt_base_topic]", "page_test")
        page.click("#mqtt-form button[type=submit]")
        page.wait_for_selector("#toast:text('Saved.')")
        recorder.wait_for(has("page_test/status", "online"), "online from the running service")
        recorder.wait_for(has("homeassistant/device/page_test/config"), "the discovery")
        assert api_json(service, "/api/health")["mqtt"]["state"] == "connected"
        assert api_json(service, "/api/settings")["mqtt"]["password"] is None

        page.fill("input[name=mqtt_host]", "")  # off again, for the other tests
        page.click("#mqtt-form button[type=submit]")
        recorder.wait_for(has("page_test/status", "offline"), "offline when switched off")
    finally:
        recorder.close()
        broker.stop()
