"""Disc-window frames for the fast disc loop: a small crop of the disc window per grab.

- SimulatedDiscFrames: renders only the window of the simulated meter at its true disc angle;
- CroppingDiscFrames: cuts the window out of any capture function's frame, e.g. picamera2's
  low-resolution stream (see `picamera_lores_luma`; needs a camera, not tested here);
- FilesDiscFrames: replays a timed sequence, file names `<anything>-<UTC milliseconds>.png`.
`disc_frames_for` picks the one that goes with the minute capture's frame source.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ..geometry import Box


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
    from .base import SourceError
    from .files import FilesSource
    from .picamera import PiCameraSource
    from .simulated import SimulatedSource

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
