"""MQTT publisher for Home Assistant: its own thread, reading the store every few seconds.

- Off while `mqtt.host` is empty. paho-mqtt's network thread connects and reconnects with
  back-off (1 s doubling to 2 min); a broker that is down or refuses the login only shows in
  `state()` (/api/health) and the log, the capture loop never waits for it.
- On every connect: the retained discovery, `online` (retained; the last will is a retained
  `offline`), then every state. The same again when Home Assistant announces itself with
  `online` on `<discovery_prefix>/status`.
- Energy, last reading time and the frame counts are retained and sent when they change; the
  power (not retained: a stale power would mislead) at most every POWER_PERIOD_S.
- All states go out with QoS 0 from this one thread, in order: paho resends nothing after a
  reconnect, so an older energy value can never arrive after a newer one; what a broker
  restart swallowed is replaced by the full publish on reconnect (the energy is a total, so
  the newest value carries everything before it).
- Before the first publish after a connect the publisher reads its own retained energy back:
  if the broker holds more than the database (restored from an older backup), the published
  value holds there instead of dropping (Home Assistant would count a drop as a meter reset).
  It knows the retained value has arrived when an echo it sent itself after subscribing comes
  back (the broker keeps the order on one connection); SYNC_TIMEOUT_S is only a safety net.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from ..config import MqttSettings, Settings
from .discovery import (
    OFFLINE,
    ONLINE,
    Topics,
    discovery_payload,
    encode,
    energy_state,
    health_state,
    power_state,
    timestamp_state,
)
from .readout import StoreReader

log = logging.getLogger(__name__)

POLL_S = 2.0
POWER_PERIOD_S = 5.0
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 120
KEEPALIVE_S = 60
STOP_TIMEOUT_S = 5.0
SYNC_TIMEOUT_S = 10.0


@dataclass
class Connection:
    """What /api/health and doctor show about the broker connection."""

    state: str = "off"  # off | connecting | connected | refused | disconnected | failed
    broker: str | None = None
    last_error: str | None = None
    connected_since_utc: float | None = None
    messages_published: int = 0
    last_published_utc: float | None = None
    published_energy_kwh: float | None = None


class MqttPublisher:
    """start() / stop(); reconfigure(settings) restarts the client with new settings."""

    def __init__(
        self,
        settings: MqttSettings,
        reader: StoreReader,
        poll_s: float = POLL_S,
        power_period_s: float = POWER_PERIOD_S,
    ) -> None:
        self.settings = settings
        self.reader = reader
        self.poll_s = poll_s
        self.power_period_s = power_period_s
        self.connection = Connection()
        self._pending: MqttSettings | None = None
        self._client: paho.Client | None = None
        self._topics: Topics | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False
        self._full_needed = False
        self._sent: dict[str, str] = {}
        self._power_sent_at = 0.0
        self._synced = False
        self._sync_deadline = 0.0
        self._sync_mid: int | None = None
        self._sync_token = ""
        self._broker_energy_wh = 0

    # control --------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mqtt", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S + self.poll_s)

    def reconfigure(self, settings: Settings) -> None:
        """Apply changed [mqtt] settings: the thread restarts the client (never blocks here)."""
        if settings.mqtt != self.settings:
            with self._lock:
                self._pending = settings.mqtt
            self._wake.set()

    def state(self) -> dict[str, Any]:
        return dict(self.connection.__dict__)

    # the thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        self._open(self.settings)
        while not self._stop.is_set():
            with self._lock:
                pending, self._pending = self._pending, None
            if pending is not None:
                self._close()
                self.settings = pending
                self._open(pending)
            if self._connected:
                try:
                    self._publish_round()
                except Exception as error:  # one bad round must not end the publisher
                    log.exception("MQTT: publishing failed")
                    self.connection.last_error = str(error)
            self._wake.wait(self.poll_s)
            self._wake.clear()
        self._close()

    def _open(self, settings: MqttSettings) -> None:
        self.connection = Connection()
        if not settings.host:
            return
        try:
            self._start_client(settings)
        except Exception as error:  # e.g. TLS without CA certificates: say so, keep running
            log.error("MQTT: cannot start the client: %s", error)
            self.connection.state = "failed"
            self.connection.last_error = str(error)
            self._client = self._topics = None

    def _start_client(self, settings: MqttSettings) -> None:
        topics = Topics(settings.base_topic, settings.discovery_prefix)
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        if settings.username:
            client.username_pw_set(settings.username, settings.password or None)
        if settings.tls:
            client.tls_set()
        client.will_set(topics.availability, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._client, self._topics = client, topics
        self._sent = {}
        self._broker_energy_wh = 0
        self.connection.state = "connecting"
        self.connection.broker = f"{settings.host}:{settings.port}"
        log.info("MQTT: connecting to %s (topics under %s)", self.connection.broker, topics.base)
        client.connect_async(settings.host, settings.port, keepalive=KEEPALIVE_S)
        client.loop_start()

    def _close(self) -> None:
        """Say `offline` (retained) when connected, then end the client's thread."""
        client, topics = self._client, self._topics
        if client is None or topics is None:
            return
        if self._connected:
            info = client.publish(topics.availability, OFFLINE, qos=1, retain=True)
            # RuntimeError, ValueError: the connection went away meanwhile.
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=STOP_TIMEOUT_S)
        client.disconnect()
        client.loop_stop()
        self._client = self._topics = None
        self._connected = False
        self.connection.state = "off"

    # paho's network thread: only flags, the publishing happens in our thread --------------
    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            self.connection.state = "refused"
            message = f"the broker refused the login: {reason}"
            if self.connection.last_error != message:
                log.warning(
                    "MQTT: %s (check mqtt.username and mqtt.password); retrying with back-off",
                    message,
                )
            self.connection.last_error = message
            return
        topics = self._topics
        self._synced = False
        self._sync_deadline = time.monotonic() + SYNC_TIMEOUT_S
        if topics is not None:
            _, self._sync_mid = client.subscribe(
                [(topics.ha_status, 1), (topics.energy, 1), (topics.sync, 0)]
            )
        self._connected = True
        self._full_needed = True
        self.connection.state = "connected"
        self.connection.connected_since_utc = time.time()
        self.connection.last_error = None
        log.info("MQTT: connected to %s", self.connection.broker)
        self._wake.set()

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        was_connected, self._connected = self._connected, False
        if self.connection.state != "refused":
            self.connection.state = "disconnected"
            self.connection.connected_since_utc = None
        if was_connected:
            self.connection.last_error = f"connection lost: {reason}"
            log.warning("MQTT: connection to %s lost (%s); reconnecting",
                        self.connection.broker, reason)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        message = f"cannot reach the broker at {self.connection.broker}"
        if self.connection.last_error != message:
            log.warning("MQTT: %s; retrying with back-off", message)
        self.connection.state = "disconnected"
        self.connection.last_error = message

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reasons: list[Any],
                      properties: Any) -> None:
        topics = self._topics
        if mid != self._sync_mid or topics is None:
            return
        if any(reason.is_failure for reason in reasons[1:]):
            log.warning("MQTT: the broker does not let us read %s back; not checking the"
                        " retained energy", topics.energy)
            self._synced = True
            self._wake.set()
            return
        # Delivered after the retained energy that the subscription brought.
        self._sync_token = secrets.token_hex(8)
        client.publish(topics.sync, self._sync_token, qos=0)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        topics = self._topics
        if topics is not None and message.topic == topics.sync:
            if message.payload.decode(errors="replace") == self._sync_token:
                self._synced = True
                self._wake.set()
            return
        if topics is not None and message.topic == topics.energy:
            # Only the retained value counts: live ones are our own publications echoed.
            if message.retain:
                with contextlib.suppress(ValueError):
                    retained_wh = round(float(message.payload) * 1000)
                    self._broker_energy_wh = max(self._broker_energy_wh, retained_wh)
            return
        # A retained `online` is Home Assistant's old birth message: we published everything
        # on connect already. A fresh one means Home Assistant has just started.
        if message.payload == ONLINE.encode() and not message.retain:
            log.info("MQTT: Home Assistant came online; publishing discovery and states")
            self._full_needed = True
            self._wake.set()

    # publishing -----------------------------------------------------------------------------
    def _publish_round(self) -> None:
        client, topics = self._client, self._topics
        if client is None or topics is None:
            return
        if not self._synced and time.monotonic() < self._sync_deadline:
            return  # the retained energy may still be on its way
        if self._broker_energy_wh and self.reader.total.raise_floor(self._broker_energy_wh):
            log.warning(
                "MQTT: the broker holds %.3f kWh, more than the database: holding that value"
                " until the counter passes it (database restored from an older backup?)",
                self._broker_energy_wh / 1000,
            )
        full, self._full_needed = self._full_needed, False
        readout = self.reader.read()
        if full:
            self._sent = {}
            self._send(client, topics.discovery, encode(discovery_payload(topics)), retain=True)
            self._send(client, topics.availability, ONLINE, retain=True)
        states = {
            topics.last_reading: timestamp_state(readout.last_reading_utc),
            topics.health: health_state(
                readout.frames_accepted,
                readout.frames_rejected,
                readout.last_status,
                readout.last_reason,
            ),
        }
        if readout.total is not None:
            states[topics.energy] = energy_state(readout.total.published_wh)
        for topic, payload in states.items():
            if self._sent.get(topic) != payload:
                self._send(client, topic, payload, retain=True)
        now = time.monotonic()
        power = power_state(readout.power_w)
        if full or (
            now - self._power_sent_at >= self.power_period_s
            and self._sent.get(topics.power) != power
        ):
            self._send(client, topics.power, power, retain=False)
            self._power_sent_at = now
        if readout.total is not None:
            self.connection.published_energy_kwh = readout.total.published_wh / 1000

    def _send(self, client: paho.Client, topic: str, payload: str, retain: bool) -> None:
        info = client.publish(topic, payload, qos=0, retain=retain)
        if info.rc == paho.MQTT_ERR_SUCCESS:
            self._sent[topic] = payload
            self.connection.messages_published += 1
            self.connection.last_published_utc = time.time()
        else:
            # Not connected any more: the full publish after the reconnect sends it.
            self._full_needed = True
