"""The fast disc loop: watch the disc window a few times a second and store the revolutions.

It runs in its own thread next to the once-a-minute capture loop. Each step takes one small
crop of the disc window from a DiscFrameSource, feeds it to the tracker, and commits the
revolutions it reports. The light stays on while the loop tracks (HeldLight), and the loop can
be switched off and on at run time. Any exception in a step is logged and counted, never fatal.
The frame sources for the loop are in sources/disc.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..analytics.disc_power import PowerNow, power_now
from ..config import Box, Settings
from ..light import HeldLight, NoLight
from ..recognition.disc import DiscTracker, TrackerConfig
from ..sources.disc import DiscFrameSource
from ..status import TrackingState
from ..store import Store
from ..store.revolutions import RevolutionStore

log = logging.getLogger(__name__)

DEFAULT_FPS = 5.0
RECENT_REVOLUTIONS = 512  # 15 minutes at 20 kW fit in
MAX_WALL_FPS = 20.0  # an accelerated simulated meter cannot be watched 5 times per its second
LOST_AFTER_S = 10.0
FAILED_RETRY_S = 10.0  # without a usable frame: tracking is lost


@dataclass(frozen=True)
class DiscState:
    tracking: TrackingState
    source: str | None
    frames: int
    unusable_share: float  # of the frames since the loop started
    frames_per_s: float | None  # measured over the last frames
    revolutions: int  # counted since the loop started
    last_error: str | None


class DiscLoop:
    """start() / stop(); `enabled` switches tracking (and the held light) at run time."""

    def __init__(
        self,
        frames_factory: Callable[[], DiscFrameSource],
        store: Store,
        revolutions_per_kwh: float = 75.0,
        fps: float = DEFAULT_FPS,
        light: HeldLight | None = None,
        tracker_config: TrackerConfig | None = None,
        speed: float = 1.0,
        enabled: bool = True,
        window: Box | None = None,
    ) -> None:
        """`window`: where the disc is in the frame, for a `frames_factory` that reads it from
        the loop (runtime.py); `reconfigure` changes it and the rest while the loop runs."""
        self.window = window
        self._restart = threading.Event()
        self._configured_enabled = enabled
        self._frames_factory = frames_factory
        self._frames: DiscFrameSource | None = None
        self.revolution_store = RevolutionStore(store)
        self.revolutions_per_kwh = revolutions_per_kwh
        self.fps = fps
        self.speed = speed
        self.light = light or HeldLight(NoLight("not configured"))
        self._tracker_config = tracker_config
        self._tracker = DiscTracker(tracker_config)
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, bool]] = deque(
            ((r.t_utc, r.continuous) for r in self.revolution_store.latest(RECENT_REVOLUTIONS)),
            maxlen=RECENT_REVOLUTIONS,
        )
        self._frame_times: deque[float] = deque(maxlen=25)
        self._enabled = threading.Event()
        if enabled:
            self._enabled.set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._revolutions = 0
        self._last_usable_utc: float | None = None
        self._last_error: str | None = None
        self._failed = False
        self._now_utc: float | None = None
        self.version = 0  # changes with every revolution and state change (for streams)

    # control ------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self._enabled.is_set()

    def set_enabled(self, on: bool) -> None:
        """Switch tracking on or off; off releases the light and forgets the learned rim."""
        if on == self.enabled:
            return
        if on:
            self._enabled.set()
        else:
            self._enabled.clear()
        self.version += 1

    def reconfigure(self, settings: Settings) -> None:
        """Take changed settings over at once (SettingsHub subscriber): rev/kWh and fps from
        the next frame on; a moved window reopens the frames and starts the tracker afresh
        (the rim it learned belongs to the old window); no window switches tracking off."""
        geometry = settings.meter.geometry()
        self.revolutions_per_kwh = geometry.revolutions_per_kwh
        self.fps = settings.disc.fps
        if geometry.disc_window != self.window:
            self.window = geometry.disc_window
            self._restart.set()
            self.version += 1
        # Only a changed setting switches: the switch on the power page stays as it was set.
        wanted = settings.disc.enabled and self.window is not None
        if wanted != self._configured_enabled:
            self._configured_enabled = wanted
            self.set_enabled(wanted)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="disc", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._enabled.set()  # wake a paused loop so that it can end
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_frames()
        self.light.hold(False)

    # what the API reads ------------------------------------------------------------------
    def state(self) -> DiscState:
        tracker = self._tracker
        frames = tracker.frames
        return DiscState(
            tracking=self._tracking_word(),
            source=self._frames.name if self._frames is not None else None,
            frames=frames,
            unusable_share=tracker.unusable_frames / frames if frames else 0.0,
            frames_per_s=self._measured_fps(),
            revolutions=self._revolutions,
            last_error=self._last_error,
        )

    def power(self, now_utc: float | None = None) -> PowerNow:
        with self._lock:
            recent = list(self._recent)
        now = now_utc if now_utc is not None else (self._now_utc or time.time())
        return power_now(
            [t for t, _ in recent], [c for _, c in recent], now, self.revolutions_per_kwh
        )

    # the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._enabled.is_set():
                self.light.hold(False)
                self._close_frames()
                self._tracker = DiscTracker(self._tracker_config)
                self._enabled.wait()
                continue
            self.light.hold(True)
            started = time.monotonic()
            self.step()
            interval = max(1.0 / (self.fps * self.speed), 1.0 / MAX_WALL_FPS)
            if self._failed:
                # No frames (camera gone, source that cannot share): light off, retry slowly.
                self.light.hold(False)
                interval = FAILED_RETRY_S
            delay = interval - (time.monotonic() - started)
            if delay > 0:
                self._stop.wait(delay)

    def step(self) -> int:
        """One frame: grab, track, store. Returns the number of revolutions it counted."""
        if self._restart.is_set():
            self._restart.clear()
            self._close_frames()
            self._tracker = DiscTracker(self._tracker_config)
            self._last_usable_utc = None
        try:
            if self._frames is None:
                self._frames = self._frames_factory()
                self._failed = False
            t_utc, crop = self._frames.grab()
        except Exception as error:  # a camera that went away: retried on the next step
            self._note_error(error)
            self._close_frames()
            self._failed = True
            return 0
        self._now_utc = t_utc
        self._frame_times.append(time.monotonic())
        revolutions = self._tracker.update(t_utc, crop)
        if self._tracker.last_observation.status not in ("dropped", "unusable", "obscured"):
            self._last_usable_utc = t_utc
        if revolutions:
            try:
                self.revolution_store.add((r.t_utc, r.continuous, r.method) for r in revolutions)
            except Exception as error:  # a full disk must not stop the tracking
                self._note_error(error)
            with self._lock:
                self._recent.extend((r.t_utc, r.continuous) for r in revolutions)
            self._revolutions += len(revolutions)
            self.version += 1
        return len(revolutions)

    def _tracking_word(self) -> TrackingState:
        if not self.enabled:
            return TrackingState.OFF
        if self._failed:
            return TrackingState.FAILED
        if self._now_utc is None:
            return TrackingState.STARTING
        if self._tracker.learning:
            return TrackingState.LEARNING
        if self._last_usable_utc is None or self._now_utc - self._last_usable_utc > LOST_AFTER_S:
            return TrackingState.LOST
        return TrackingState.TRACKING

    def _measured_fps(self) -> float | None:
        times = self._frame_times
        if len(times) < 2 or times[-1] <= times[0]:
            return None
        return (len(times) - 1) / (times[-1] - times[0])

    def _note_error(self, error: Exception) -> None:
        self._last_error = str(error)
        log.warning("disc loop: %s", error)

    def _close_frames(self) -> None:
        if self._frames is not None:
            try:
                self._frames.close()
            finally:
                self._frames = None
