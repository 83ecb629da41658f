"""The fast disc loop: watch the disc window a few times a second and store the revolutions.

It runs in its own thread next to the once-a-minute capture loop. Each step takes one small
crop of the disc window from a DiscFrameSource, feeds it to the tracker, and commits the
revolutions it reports. The light stays on while the loop tracks (HeldLight), and the loop can
be switched off and on at run time. Any exception in a step is logged and counted, never fatal.

Frame sources for the loop:
- SimulatedDiscFrames: renders only the window of the simulated meter at its true disc angle;
- CroppingDiscFrames: cuts the window out of any capture function's frame, e.g. picamera2's
  low-resolution stream (see `picamera_lores_luma`; needs a camera, not tested here);
- FilesDiscFrames: replays a timed sequence, file names `<anything>-<UTC milliseconds>.png`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ..analytics.disc_power import PowerNow, power_now
from ..config import Box, Settings
from ..light import HeldLight, NoLight
from ..recognition.disc import DiscTracker, TrackerConfig
from ..store import Store
from ..store.revolutions import RevolutionStore

log = logging.getLogger(__name__)

DEFAULT_FPS = 5.0
RECENT_REVOLUTIONS = 512  # 15 minutes at 20 kW fit in
MAX_WALL_FPS = 20.0  # an accelerated simulated meter cannot be watched 5 times per its second
LOST_AFTER_S = 10.0
FAILED_RETRY_S = 10.0  # without a usable frame: tracking is lost


class DiscFrameSource(Protocol):
    name: str

    def grab(self) -> tuple[float, np.ndarray | None]:
        """(t_utc, small BGR or grey crop of the disc window); None when no frame came."""
        ...

    def close(self) -> None: ...


class SimulatedDiscFrames:
    """The disc window of a simulated meter: `now_utc()` gives the simulated time, `angle_at`
    the disc angle (SimulatedMeter.truth_at(t).disc_angle_deg)."""

    name = "simulated"

    def __init__(
        self, now_utc: Callable[[], float], angle_at: Callable[[float], float], seed: int = 0
    ) -> None:
        from ..simulator.disc_sequence import DiscWindowRenderer

        self._now_utc = now_utc
        self._angle_at = angle_at
        self._renderer = DiscWindowRenderer(seed=seed)

    def grab(self) -> tuple[float, np.ndarray | None]:
        t_utc = self._now_utc()
        return t_utc, self._renderer.render(self._angle_at(t_utc), t_utc)

    def close(self) -> None:
        pass


class CroppingDiscFrames:
    """The window cut out of whole frames of `capture()` and shrunk by `scale`.

    `window` is in the coordinates of a `frame_size` (width, height) frame, e.g. the 640x480
    minute frame; a capture of another size (a low-resolution stream) is cut proportionally.
    """

    def __init__(
        self,
        capture: Callable[[], np.ndarray],
        window: Box,
        frame_size: tuple[int, int] = (640, 480),
        scale: float = 0.5,
        name: str = "camera",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._capture = capture
        self.window = window
        self.frame_size = frame_size
        self.scale = scale
        self.name = name
        self._clock = clock

    def grab(self) -> tuple[float, np.ndarray | None]:
        frame = self._capture()
        t_utc = self._clock()
        if frame is None:
            return t_utc, None
        return t_utc, crop_window(frame, self.window, self.frame_size, self.scale)

    def close(self) -> None:
        pass


def crop_window(
    frame: np.ndarray, window: Box, frame_size: tuple[int, int], scale: float
) -> np.ndarray:
    """The disc window of `frame`, whose size may differ from `frame_size`, shrunk by scale."""
    height, width = frame.shape[:2]
    fx, fy = width / frame_size[0], height / frame_size[1]
    x0, y0 = int(window.x * fx), int(window.y * fy)
    x1, y1 = int((window.x + window.w) * fx), int((window.y + window.h) * fy)
    crop = frame[max(y0, 0) : min(y1, height), max(x0, 0) : min(x1, width)]
    size = (max(1, round(window.w * scale)), max(1, round(window.h * scale)))
    if crop.shape[1] == size[0] and crop.shape[0] == size[1]:
        return np.ascontiguousarray(crop)
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def picamera_lores_luma(camera: Any, lores_height: int) -> Callable[[], np.ndarray]:
    """A capture function for CroppingDiscFrames: the Y plane of picamera2's "lores" stream.

    The camera must be configured with a lores stream (YUV420, e.g. 320x240) next to its main
    stream; the tracker works on grey crops. Written against the picamera2 API; it cannot be
    tested without a camera.
    """

    def capture() -> np.ndarray:
        return camera.capture_array("lores")[:lores_height]

    return capture


class FilesDiscFrames:
    """Replays crops (or whole frames, cut with `window`) named `...-<UTC milliseconds>.png`,
    in time order, once; then reports no frames."""

    TIME_IN_NAME = re.compile(r"(\d{12,})\D*$")

    def __init__(
        self,
        folder: Path,
        window: Box | None = None,
        frame_size: tuple[int, int] = (640, 480),
        scale: float = 0.5,
    ) -> None:
        self.name = f"files:{folder}"
        timed = []
        for path in folder.iterdir():
            found = self.TIME_IN_NAME.search(path.stem)
            if found and path.suffix.lower() in {".png", ".jpg", ".jpeg", ".bmp"}:
                timed.append((int(found.group(1)) / 1000.0, path))
        self._files = deque(sorted(timed))
        self.window, self.frame_size, self.scale = window, frame_size, scale

    def grab(self) -> tuple[float, np.ndarray | None]:
        if not self._files:
            return time.time(), None
        t_utc, path = self._files.popleft()
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is not None and self.window is not None and image.shape[1] >= self.frame_size[0]:
            image = crop_window(image, self.window, self.frame_size, self.scale)
        return t_utc, image

    @property
    def remaining(self) -> int:
        return len(self._files)

    def close(self) -> None:
        self._files.clear()


def disc_frames_for(
    source: Any, window: Box, frame_size: tuple[int, int] = (640, 480), scale: float = 0.5
) -> DiscFrameSource:
    """The disc-window frames that go with the minute capture's frame source.

    Simulated meter: its window rendered alone at the true disc angle. Pi camera: the same
    Picamera2 object's lores stream (Y plane) when the camera was configured with one, else a
    crop of its main stream (picamera2 queues concurrent requests; not testable here). Files:
    a timed sequence in the folder's `disc/` subfolder. OpenCV cameras are not shared between
    two threads, so they raise SourceError (the loop reports "failed").
    """
    from ..sources import SourceError
    from ..sources.files import FilesSource
    from ..sources.picamera import PiCameraSource
    from ..sources.simulated import SimulatedSource

    if isinstance(source, SimulatedSource):
        meter = source.meter
        return SimulatedDiscFrames(source.now_utc, lambda t: meter.truth_at(t).disc_angle_deg)
    if isinstance(source, PiCameraSource):
        camera = source._open()
        lores = camera.camera_configuration().get("lores")
        if lores:
            capture = picamera_lores_luma(camera, lores["size"][1])
            return CroppingDiscFrames(capture, window, frame_size, scale, "picamera lores")
        return CroppingDiscFrames(
            lambda: camera.capture_array("main"), window, frame_size, scale, "picamera main"
        )
    if isinstance(source, FilesSource):
        folder = source.path / "disc" if source.path.is_dir() else source.path.parent / "disc"
        if not folder.is_dir():
            raise SourceError(f"{folder}: no timed disc-window frames to replay")
        return FilesDiscFrames(folder, window, frame_size, scale)
    raise SourceError(f"disc tracking is not supported with the source {source.name}")


@dataclass(frozen=True)
class DiscState:
    tracking: str  # off | starting | learning | tracking | lost | failed
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

    def _tracking_word(self) -> str:
        if not self.enabled:
            return "off"
        if self._failed:
            return "failed"
        if self._now_utc is None:
            return "starting"
        if self._tracker.learning:
            return "learning"
        if self._last_usable_utc is None or self._now_utc - self._last_usable_utc > LOST_AFTER_S:
            return "lost"
        return "tracking"

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
