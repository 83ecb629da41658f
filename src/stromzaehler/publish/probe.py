"""`doctor`'s MQTT check: can the configured broker be reached, and does it take the login?"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from ..config import MqttSettings

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str
    fix: str = ""


def probe_broker(settings: MqttSettings, timeout_s: float = TIMEOUT_S) -> ProbeResult:
    """Connect once (no publishing) and say what the broker answered."""
    if not settings.host:
        return ProbeResult(True, "off (mqtt.host is empty)")
    where = f"{settings.host}:{settings.port}"
    answers: list[Any] = []
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
    client.on_connect = lambda _c, _u, _f, reason, _p: answers.append(reason)
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    try:
        if settings.tls:
            client.tls_set()
        client.connect(settings.host, settings.port, keepalive=10)
        deadline = time.monotonic() + timeout_s
        while not answers and time.monotonic() < deadline:
            client.loop(timeout=0.1)
    except (OSError, ValueError) as error:
        return ProbeResult(
            False,
            f"{where}: {error}",
            "check mqtt.host and mqtt.port (and mqtt.tls), and that the broker runs",
        )
    finally:
        client.disconnect()
    if not answers:
        return ProbeResult(False, f"{where}: no answer in {timeout_s:.0f} s", "is it MQTT?")
    if answers[0].is_failure:
        return ProbeResult(
            False,
            f"{where} refused the login: {answers[0]}",
            "check mqtt.username and mqtt.password (the broker's password file or ACL)",
        )
    return ProbeResult(True, f"{where} accepts the login")
