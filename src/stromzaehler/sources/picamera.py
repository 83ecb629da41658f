"""The Raspberry Pi camera through picamera2 (Debian's python3-picamera2; imported lazily)."""

from __future__ import annotations

from typing import Any

import cv2

from .base import Frame, SourceError, wall_clock


def picamera_available() -> bool:
    """True when picamera2 is installed and libcamera sees at least one camera."""
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found]
    except ImportError:
        return False
    try:
        return bool(Picamera2.global_camera_info())
    except Exception:  # libcamera raises various errors on machines without a camera stack
        return False


class PiCameraSource:
    speed = 1.0
    name = "picamera"

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self._camera: Any = None

    def _open(self) -> Any:
        if self._camera is None:
            try:
                from picamera2 import Picamera2  # type: ignore[import-not-found]
            except ImportError as error:
                raise SourceError(
                    "picamera2 is not installed (apt install python3-picamera2)"
                ) from error
            try:
                camera = Picamera2()
                config = camera.create_still_configuration(
                    main={"size": (self.width, self.height), "format": "RGB888"}
                )
                camera.configure(config)
                camera.start()
            except Exception as error:  # libcamera reports missing cameras in many ways
                raise SourceError(f"Pi camera: {error}") from error
            self._camera = camera
        return self._camera

    def capture(self) -> Frame:
        camera = self._open()
        try:
            array = camera.capture_array("main")
        except Exception as error:
            self.close()
            raise SourceError(f"Pi camera: {error}") from error
        # picamera2's "RGB888" is laid out B, G, R in memory, which is what OpenCV expects.
        image = (
            array
            if array.ndim == 3 and array.shape[2] == 3
            else cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
        )
        return Frame(image=image, captured_at_utc=wall_clock(), source=self.name)

    def close(self) -> None:
        if self._camera is not None:
            try:
                self._camera.close()
            finally:
                self._camera = None
