"""A USB webcam through cv2.VideoCapture."""

from __future__ import annotations

import cv2

from .base import Frame, SourceError, wall_clock


class OpenCVSource:
    speed = 1.0

    def __init__(self, device: int, width: int, height: int) -> None:
        self.device = device
        self.width = width
        self.height = height
        self.name = f"opencv:{device}"
        self._capture: cv2.VideoCapture | None = None

    def _open(self) -> cv2.VideoCapture:
        if self._capture is None or not self._capture.isOpened():
            capture = cv2.VideoCapture(self.device)
            if not capture.isOpened():
                capture.release()
                raise SourceError(f"camera {self.device}: cannot be opened (unplugged?)")
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            self._capture = capture
        return self._capture

    def capture(self) -> Frame:
        capture = self._open()
        # Webcams buffer a few frames; the newest one shows the meter now.
        for _ in range(3):
            capture.grab()
        ok, image = capture.retrieve()
        if not ok or image is None:
            self.close()
            raise SourceError(f"camera {self.device}: no frame (unplugged?)")
        return Frame(image=image, captured_at_utc=wall_clock(), source=self.name)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
