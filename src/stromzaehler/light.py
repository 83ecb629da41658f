"""The camera LED: on only while a frame is captured.

The Pi camera V1.3's red LED sits on GPIO BCM 32 of a Pi 2 B. gpiozero 2.x refuses that pin,
so lgpio drives it directly. Machines without GPIO get a light that does nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Light(Protocol):
    name: str
    is_on: bool

    def set(self, on: bool) -> None: ...

    def close(self) -> None: ...


class NoLight:
    """For machines without GPIO (or with the LED switched off in the settings)."""

    def __init__(self, why: str) -> None:
        self.name = f"none ({why})"
        self.is_on = False

    def set(self, on: bool) -> None:
        self.is_on = on

    def close(self) -> None:
        pass


class LgpioLight:
    def __init__(self, pin: int, chip: int = 0) -> None:
        import lgpio  # type: ignore[import-not-found]

        self._lgpio: Any = lgpio
        self._handle = lgpio.gpiochip_open(chip)
        self.pin = pin
        lgpio.gpio_claim_output(self._handle, pin, 0)
        self.name = f"lgpio pin {pin}"
        self.is_on = False

    def set(self, on: bool) -> None:
        self._lgpio.gpio_write(self._handle, self.pin, 1 if on else 0)
        self.is_on = on

    def close(self) -> None:
        self.set(False)
        self._lgpio.gpiochip_close(self._handle)


class HeldLight:
    """The LED shared by the minute capture and the disc loop: the capture switches it on and
    off around each frame, the disc loop holds it on while it tracks."""

    def __init__(self, light: Light) -> None:
        self._light = light
        self.name = light.name
        self._lock = threading.Lock()
        self._wanted = False
        self._held = False

    @property
    def is_on(self) -> bool:
        return self._light.is_on

    def set(self, on: bool) -> None:
        with self._lock:
            self._wanted = on
            self._light.set(on or self._held)

    def hold(self, on: bool) -> None:
        with self._lock:
            self._held = on
            self._light.set(on or self._wanted)

    def replace(self, light: Light) -> None:
        """Another LED (settings changed); the holds and wishes carry over."""
        with self._lock:
            self._light.close()
            self._light = light
            self.name = light.name
            self._light.set(self._wanted or self._held)

    def close(self) -> None:
        self._light.close()


def open_light(pin: int | None, enabled: bool = True) -> Light:
    if pin is None or not enabled:
        return NoLight("disabled in settings")
    try:
        return LgpioLight(pin)
    except ImportError:
        return NoLight("lgpio not installed")
    except Exception as error:  # lgpio raises its own error type when there is no gpiochip
        log.info("light: no GPIO here (%s); the LED is not driven", error)
        return NoLight(f"no GPIO: {error}")


@contextmanager
def lit(light: Light) -> Iterator[None]:
    """The LED on for the duration of a capture, off again whatever happens."""
    light.set(True)
    try:
        yield
    finally:
        light.set(False)
