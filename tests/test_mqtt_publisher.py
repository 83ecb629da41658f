"""The MQTT publisher against a real Mosquitto: discovery, retained states, Home Assistant's
birth message, a broker restart, a refused login, reconfiguring. Waits for messages with
timeouts; asserts on what arrived, never on how long it took."""

from __future__ import annotations

import json
import logging
import time

import pytest

from stromzaehler.config import MqttSettings, Settings
from stromzaehler.publish.discovery import Topics, discovery_payload
from stromzaehler.publish.mqtt import MqttPublisher
from stromzaehler.publish.readout import StoreReader
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

from .mqtt_helpers import WAIT_S, Broker, Recorder, has

TOPICS = Topics("stromzaehler", "homeassistant")
T0 = 1_780_000_000


@pytest.fixture
def broker(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    broker = Broker(folder)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "data")
    store.add_reading(T0, 99_516_000, 0.99, "camera")
    store.log_frame(T0, "camera", "accepted")
    return store


@pytest.fixture
def recorder(broker):
    recorder = Recorder(broker.port)
    yield recorder
    recorder.close()


def start_publisher(store: Store, port: int, **mqtt: object) -> MqttPublisher:
    settings = MqttSettings(host="127.0.0.1", port=port, client_id="test-publisher", **mqtt)
    publisher = MqttPublisher(
        settings, StoreReader(store, Settings()), poll_s=0.05, power_period_s=0.1
    )
    publisher.start()
    return publisher


@pytest.fixture
def publisher(store, broker, recorder):
    assert recorder.subscribed.wait(WAIT_S), "the recorder did not subscribe"
    publisher = start_publisher(store, broker.port)
    yield publisher
    publisher.stop()


def energies(recorder: Recorder) -> list[float]:
    return [float(m.payload) for m in recorder.on(TOPICS.energy)]


def wait_for_state(publisher: MqttPublisher, state: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while publisher.state()["state"] != state:
        assert time.monotonic() < deadline, f"publisher never {state}: {publisher.state()}"
        time.sleep(0.05)


def test_discovery_and_states_are_retained_for_late_subscribers(publisher, broker, recorder):
    recorder.wait_for(has(TOPICS.energy, "99516.000"), "the energy")
    late = Recorder(broker.port)
    try:
        seen = late.wait_for(
            lambda ms: {TOPICS.discovery, TOPICS.availability, TOPICS.energy, TOPICS.health,
                        TOPICS.last_reading} <= {m.topic for m in ms},
            "the retained discovery and states",
        )
    finally:
        late.close()
    retained = {m.topic: m for m in seen if m.retain}
    assert json.loads(retained[TOPICS.discovery].payload) == discovery_payload(TOPICS)
    assert retained[TOPICS.availability].payload == "online"
    assert retained[TOPICS.energy].payload == "99516.000"
    assert retained[TOPICS.last_reading].payload == "2026-05-28T20:26:40+00:00"
    assert json.loads(retained[TOPICS.health].payload)["frames_accepted"] == 1
    assert TOPICS.power not in retained  # a stale power would mislead


def test_energy_follows_the_store_and_never_decreases(publisher, store, recorder):
    recorder.wait_for(has(TOPICS.energy, "99516.000"), "the first energy")
    store.add_reading(T0 + 60, 99_516_300, 0.99, "camera")
    recorder.wait_for(has(TOPICS.energy, "99516.300"), "the new reading")
    # The owner corrects the last reading down: the published value holds...
    CounterStore(store).set_correction(T0 + 60, 99_516_100, T0 + 100, "misread")
    store.add_reading(T0 + 120, 99_516_200, 0.99, "camera")
    store.add_reading(T0 + 180, 99_516_400, 0.99, "camera")
    # ...until the counter passes it.
    recorder.wait_for(has(TOPICS.energy, "99516.400"), "the counter to pass the held value")
    values = energies(recorder)
    assert values == sorted(values)
    assert 99516.2 not in values


def test_home_assistant_birth_message_brings_discovery_and_states_again(publisher, recorder):
    recorder.wait_for(has(TOPICS.energy), "the first publish")
    count = len(recorder.on(TOPICS.discovery))
    recorder.publish(TOPICS.ha_status, "online")
    recorder.wait_for(
        lambda _: len(recorder.on(TOPICS.discovery)) > count
        and len(recorder.on(TOPICS.energy)) >= 2,
        "discovery and energy again",
    )


def test_broker_restart_reconnects_and_loses_nothing(publisher, broker, store, recorder):
    recorder.wait_for(has(TOPICS.energy, "99516.000"), "the first energy")
    broker.stop()
    wait_for_state(publisher, "disconnected")
    assert publisher.state()["last_error"]  # "connection lost", then "cannot reach"
    store.add_reading(T0 + 60, 99_516_100, 0.99, "camera")  # while the broker is away
    broker.start()
    wait_for_state(publisher, "connected")
    store.add_reading(T0 + 120, 99_516_200, 0.99, "camera")
    recorder.wait_for(has(TOPICS.energy, "99516.200"), "the reading after the restart")
    values = energies(recorder)
    assert values == sorted(values), values  # nothing out of order
    # The broker kept nothing (no persistence): the retained state is whole again.
    late = Recorder(broker.port)
    try:
        late.wait_for(has(TOPICS.availability, "online"), "online again")
        late.wait_for(has(TOPICS.discovery), "discovery again")
        late.wait_for(has(TOPICS.energy, "99516.200"), "the newest energy")
    finally:
        late.close()


def test_stop_and_switching_off_say_offline(publisher, recorder):
    recorder.wait_for(has(TOPICS.availability, "online"), "online")
    publisher.reconfigure(Settings(mqtt=MqttSettings(host="")))
    recorder.wait_for(has(TOPICS.availability, "offline"), "offline")
    wait_for_state(publisher, "off")


def test_reconfigure_moves_to_a_new_base_topic(publisher, recorder):
    recorder.wait_for(has(TOPICS.energy), "the first publish")
    moved = MqttSettings(host="127.0.0.1", port=publisher.settings.port, base_topic="meter2")
    publisher.reconfigure(Settings(mqtt=moved))
    recorder.wait_for(has("meter2/energy", "99516.000"), "energy under the new topic")
    recorder.wait_for(has("homeassistant/device/meter2/config"), "the new discovery")


def test_wrong_password_is_reported_and_retried(tmp_path, store, caplog):
    folder = tmp_path / "secure"
    folder.mkdir()
    broker = Broker(folder, users={"meter": "right password"})
    broker.start()
    caplog.set_level(logging.WARNING, logger="stromzaehler.publish.mqtt")
    publisher = start_publisher(store, broker.port, username="meter", password="wrong")
    try:
        wait_for_state(publisher, "refused")
        state = publisher.state()
        assert "the broker refused the login" in state["last_error"]
        assert "check mqtt.username and mqtt.password" in caplog.text
        assert state["messages_published"] == 0
        right = MqttSettings(
            host="127.0.0.1", port=broker.port, username="meter", password="right password"
        )
        publisher.reconfigure(Settings(mqtt=right))
        wait_for_state(publisher, "connected")
        recorder = Recorder(broker.port, login=("meter", "right password"))
        try:
            recorder.wait_for(has(TOPICS.energy, "99516.000"), "the energy once logged in")
        finally:
            recorder.close()
    finally:
        publisher.stop()
        broker.stop()


def test_broker_that_is_down_never_blocks_and_shows_in_the_state(store):
    from .conftest import free_port

    publisher = start_publisher(store, free_port())  # nobody listens there
    try:
        wait_for_state(publisher, "disconnected")
        assert publisher.state()["last_error"].startswith("cannot reach the broker")
        assert publisher.state()["messages_published"] == 0
    finally:
        publisher.stop()


def test_a_higher_retained_energy_on_the_broker_is_held_not_undercut(broker, store, recorder):
    # The broker remembers 99520.000 kWh; the database (restored from an older backup) has
    # 99516.000. Home Assistant must not see the value drop.
    assert recorder.subscribed.wait(WAIT_S)
    recorder.publish(TOPICS.energy, "99520.000", retain=True)
    publisher = start_publisher(store, broker.port)
    try:
        recorder.wait_for(has(TOPICS.availability, "online"), "online")
        store.add_reading(T0 + 60, 99_520_100, 0.99, "camera")
        recorder.wait_for(has(TOPICS.energy, "99520.100"), "the counter passing the held value")
        assert min(energies(recorder)) == 99520.0  # nothing below what the broker had
        assert publisher.reader.total.current().published_wh == 99_520_100
    finally:
        publisher.stop()
