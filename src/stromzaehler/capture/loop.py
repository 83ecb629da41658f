"""The capture loop: on schedule, source → frame handler (reader → gate → store), plus health.

It runs in its own thread so the web server never waits for a camera, and it survives any
exception in a step: a failing camera is retried with back-off and reported in health.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import cv2

from .. import __version__
from ..config import Settings
from ..light import HeldLight, Light, NoLight, lit, open_light
from ..sources import Frame, FrameSource, SourceError
from ..status import FrameStatus, HealthStatus
from .verdict import FrameHandler, Outcome

log = logging.getLogger(__name__)

JPEG_QUALITY = 85
MAX_RETRY_DELAY_S = 60.0


@dataclass
class Health:
    source: str = "starting"
    light: str = "none"
    started_at_utc: float = field(default_factory=time.time)
    last_capture_utc: float | None = None
    last_status: str | None = None
    last_reason: str | None = None
    last_error: str | None = None
    frames_ok: int = 0
    frames_failed: int = 0
    consecutive_failures: int = 0  # captures from the source that failed in a row
    consecutive_store_failures: int = 0  # frames captured but not handled (store errors)

    @property
    def status(self) -> HealthStatus:
        if self.last_capture_utc is None and self.consecutive_failures == 0:
            return HealthStatus.STARTING
        return HealthStatus.DEGRADED if self.consecutive_failures else HealthStatus.OK

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            **asdict(self),
            "uptime_s": round(time.time() - self.started_at_utc, 1),
            "version": __version__,
        }


class LiveFrame:
    """The newest frame as JPEG plus what was read from it, shared with the web server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sequence = 0
        self.jpeg: bytes | None = None
        self.captured_at_utc: float | None = None
        self.outcome: Outcome | None = None

    def publish(self, frame: Frame, outcome: Outcome | None) -> None:
        ok, encoded = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        with self._lock:
            self.jpeg = encoded.tobytes()
            self.captured_at_utc = frame.captured_at_utc
            self.outcome = outcome
            self.sequence += 1

    def snapshot(self) -> tuple[int, bytes | None, float | None]:
        with self._lock:
            return self.sequence, self.jpeg, self.captured_at_utc


def next_tick(now: float, interval_s: float) -> float:
    """The next instant that is a whole multiple of the interval (60 s: on the minute)."""
    return (math.floor(now / interval_s) + 1) * interval_s


class CaptureService:
    def __init__(
        self,
        source_factory: Callable[[], FrameSource],
        handler: FrameHandler,
        interval_s: float,
        light: Light | None = None,
        light_enabled: bool = True,
    ) -> None:
        self._source_factory = source_factory
        self._source: FrameSource | None = None
        self.handler = handler
        self.interval_s = interval_s
        self.light = light or NoLight("not configured")
        self._light_enabled = light_enabled
        self.health = Health(light=self.light.name)
        self.live = LiveFrame()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._step_lock = threading.Lock()
        self._source_lock = threading.Lock()

    @property
    def speed(self) -> float:
        return self._source.speed if self._source is not None else 1.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._source is not None:
            self._source.close()
        self.light.close()

    def reconfigure(self, settings: Settings) -> None:
        """Apply changed settings from the next capture on."""
        self.interval_s = settings.capture.interval_s
        self.handler.reconfigure(settings)
        if settings.light.enabled != self._light_enabled:
            light = open_light(settings.light.gpio_pin, settings.light.enabled)
            if isinstance(self.light, HeldLight):
                self.light.replace(light)  # the disc loop holds this one
            else:
                self.light.close()
                self.light = light
            self._light_enabled = settings.light.enabled
            self.health.light = self.light.name

    def capture_now(self) -> None:
        """Ask the loop for an extra capture right away (the 'capture now' button)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._wait(self._delay())

    def _delay(self) -> float:
        if self.health.consecutive_failures:
            backoff = 2.0 ** min(self.health.consecutive_failures, 10)
            return min(backoff, MAX_RETRY_DELAY_S, self.interval_s / self.speed)
        if self.speed != 1.0:
            return self.interval_s / self.speed
        now = time.time()
        return next_tick(now, self.interval_s) - now

    def _wait(self, seconds: float) -> None:
        self._wake.wait(timeout=max(seconds, 0.0))
        self._wake.clear()

    def step(self) -> Outcome | None:
        """One capture and its handling; never raises."""
        with self._step_lock:
            try:
                frame = self._capture()
            except Exception as error:
                self._failed(error)
                return None
            try:
                outcome = self.handler.handle(frame)
            except Exception as error:
                log.exception("handling the frame failed")
                outcome = Outcome(status=FrameStatus.FAILED, reason=f"internal error: {error}")
            try:
                self.live.publish(frame, outcome)
            except Exception as error:
                log.exception("publishing the frame failed")
                self.health.last_error = str(error)
            self.health.consecutive_failures = 0
            # Read but not stored: a failed frame, not an ok one.
            if outcome.status == FrameStatus.FAILED:
                self.health.frames_failed += 1
                self.health.consecutive_store_failures += 1
                self.health.last_error = outcome.reason
            else:
                self.health.frames_ok += 1
                self.health.consecutive_store_failures = 0
            self.health.last_capture_utc = frame.captured_at_utc
            self.health.last_status = outcome.status
            self.health.last_reason = outcome.reason
            return outcome

    def opened_source(self) -> FrameSource:
        """The frame source, opened if need be (the disc loop shares the camera)."""
        with self._source_lock:
            if self._source is None:
                self._source = self._source_factory()
                self.health.source = self._source.name
                log.info("capturing from %s", self._source.name)
            return self._source

    def _capture(self) -> Frame:
        source = self.opened_source()
        with lit(self.light):
            return source.capture()

    def _failed(self, error: Exception) -> None:
        self.health.frames_failed += 1
        self.health.consecutive_failures += 1
        self.health.last_error = str(error)
        log.warning("capture failed (%d in a row): %s", self.health.consecutive_failures, error)
        if not isinstance(error, SourceError) and self._source is not None:
            # Unknown trouble: start the source afresh on the next try.
            try:
                self._source.close()
            finally:
                self._source = None
