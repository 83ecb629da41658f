"""A real Mosquitto broker on a free loopback port, and a subscriber that records messages.

scripts/test.sh installs Debian's mosquitto and mosquitto-clients; without them the tests
that need a broker skip and say why.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from .conftest import free_port

WAIT_S = 30.0


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if found is None:
        pytest.skip("mosquitto is not installed (scripts/test.sh installs it with apt)")
    return found


class Broker:
    """mosquitto with a generated config in `folder`; stop() and start() keep the port."""

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        self.binary = mosquitto_binary()
        self.folder = folder
        self.port = free_port()
        self.users = users
        self.process: subprocess.Popen | None = None
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            # Started as root, mosquitto would switch to the user `mosquitto`, which cannot
            # read this folder; as anyone else the option changes nothing.
            f"user {getpass.getuser()}",
        ]
        if users:
            passwords = folder / "passwords"
            passwords.touch(mode=0o600)
            for name, password in users.items():
                subprocess.run(
                    [_passwd_binary(), "-b", str(passwords), name, password], check=True
                )
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        log = (self.folder / "mosquitto.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config)], stdout=log, stderr=log
        )
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _passwd_binary() -> str:
    found = shutil.which("mosquitto_passwd")
    if found is None:
        pytest.skip("mosquitto_passwd is not installed (package mosquitto)")
    return found


@dataclass(frozen=True)
class Message:
    topic: str
    payload: str
    retain: bool


class Recorder:
    """A subscriber to `#` that keeps every message and reconnects by itself."""

    def __init__(
        self, port: int, topic: str = "#", login: tuple[str, str] | None = None
    ) -> None:
        self.messages: list[Message] = []
        self._condition = threading.Condition()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        if login is not None:
            self.client.username_pw_set(*login)
        self.client.reconnect_delay_set(0.1, 1)
        # Subscribed (acknowledged) = ready; set again after each reconnect.
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_disconnect = lambda *_: self.subscribed.clear()
        self.client.on_message = self._on_message
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:
        with self._condition:
            self.messages.append(
                Message(message.topic, message.payload.decode("utf-8"), bool(message.retain))
            )
            self._condition.notify_all()

    def wait_for(
        self, predicate: Callable[[list[Message]], bool], what: str, timeout: float = WAIT_S
    ) -> list[Message]:
        deadline = time.monotonic() + timeout
        with self._condition:
            while not predicate(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m.topic, m.payload[:60]) for m in self.messages[-10:]]
                    raise AssertionError(f"timed out waiting for {what}; last messages: {seen}")
                self._condition.wait(remaining)
            return list(self.messages)

    def on(self, topic: str) -> list[Message]:
        with self._condition:
            return [m for m in self.messages if m.topic == topic]

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT_S)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def has(topic: str, payload: str | None = None) -> Callable[[list[Message]], bool]:
    return lambda messages: any(
        m.topic == topic and (payload is None or m.payload == payload) for m in messages
    )
