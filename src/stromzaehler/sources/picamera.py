"""The Raspberry Pi camera through picamera2 (Debian's python3-picamera2; imported lazily).

Controls are set per capture: the minute capture gets its own exposure and gain (the rollers
stand still, so it may expose long at low gain), and between captures the camera runs with the
disc loop's shorter exposure. picamera2 applies new controls a few frames later, so a capture
waits (a bounded number of frames) until the frame's metadata shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
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


SETTLE_FRAMES = 12  # at most this many frames waited for new controls (the sensor needs ~3-5)
SETTLE_TOLERANCE = 0.1  # exposure and gain within 10 % of the request count as applied


def camera_controls(exposure_us: int, analogue_gain: float) -> dict[str, Any]:
    """picamera2 controls for an exposure time and analogue gain; 0 leaves either automatic.

    With both fixed the auto-exposure is off; with one fixed it stays on and libcamera keeps the
    fixed one while it adjusts the other.
    """
    controls: dict[str, Any] = {}
    if exposure_us > 0:
        controls["ExposureTime"] = int(exposure_us)
    if analogue_gain > 0:
        controls["AnalogueGain"] = float(analogue_gain)
    controls["AeEnable"] = not (exposure_us > 0 and analogue_gain > 0)
    return controls


def controls_applied(metadata: Mapping[str, Any], controls: Mapping[str, Any]) -> bool:
    """True when a frame's metadata shows the requested exposure and gain (within 10 %)."""
    for key in ("ExposureTime", "AnalogueGain"):
        if key in controls:
            actual = metadata.get(key)
            if actual is None or abs(actual - controls[key]) > SETTLE_TOLERANCE * controls[key]:
                return False
    return True


def apply_controls(camera: Any, controls: Mapping[str, Any]) -> int:
    """Set the controls and wait until a frame shows them; returns the frames waited.

    Gives up after SETTLE_FRAMES frames (a sensor that cannot reach the exposure, e.g. longer
    than its frame time): the capture then goes ahead with what the sensor delivers.
    """
    camera.set_controls(dict(controls))
    if not any(key in controls for key in ("ExposureTime", "AnalogueGain")):
        return 0
    for waited in range(1, SETTLE_FRAMES + 1):
        if controls_applied(camera.capture_metadata(), controls):
            return waited
    return SETTLE_FRAMES


class PiCameraSource:
    speed = 1.0
    name = "picamera"

    def __init__(
        self,
        width: int,
        height: int,
        capture_controls: Mapping[str, Any] | None = None,
        idle_controls: Mapping[str, Any] | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.capture_controls = dict(capture_controls or {})
        self.idle_controls = dict(idle_controls or {})
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
                if self.idle_controls:
                    camera.set_controls(dict(self.idle_controls))
            except Exception as error:  # libcamera reports missing cameras in many ways
                raise SourceError(f"Pi camera: {error}") from error
            self._camera = camera
        return self._camera

    def capture(self) -> Frame:
        camera = self._open()
        switch = bool(self.capture_controls) and self.capture_controls != self.idle_controls
        try:
            if switch:
                apply_controls(camera, self.capture_controls)
            array = camera.capture_array("main")
            if switch:
                # back to the disc loop's controls; it does not wait for them
                camera.set_controls(dict(self.idle_controls or {"AeEnable": True}))
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
