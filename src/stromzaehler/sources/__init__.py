"""Frame sources behind one interface: picamera, opencv:N, files:PATH, simulated; disc-window
frames for the disc loop (disc.py); image files and crops (images.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import CaptureSettings
from .base import Frame, FrameSource, SourceError
from .picamera import picamera_available

log = logging.getLogger(__name__)

__all__ = ["Frame", "FrameSource", "SourceError", "open_source", "resolve_source_spec"]


def resolve_source_spec(spec: str) -> str:
    """'auto' means the Pi camera when one is found, else the simulated meter."""
    if spec != "auto":
        return spec
    if picamera_available():
        log.info("source: Pi camera found, using picamera")
        return "picamera"
    log.info("source: no camera found, using the simulated meter")
    return "simulated"


def open_source(
    capture: CaptureSettings, start_utc: float | None = None, start_wh: int | None = None
) -> FrameSource:
    """The source named by capture.source; `start_*` continue a simulated meter after a restart."""
    spec = resolve_source_spec(capture.source)
    kind, _, argument = spec.partition(":")
    if kind == "picamera":
        from .picamera import PiCameraSource, camera_controls

        return PiCameraSource(
            capture.width,
            capture.height,
            camera_controls(capture.exposure_us, capture.analogue_gain),
            camera_controls(capture.disc_exposure_us, capture.disc_analogue_gain),
        )
    if kind == "opencv":
        from .opencv import OpenCVSource

        return OpenCVSource(int(argument), capture.width, capture.height)
    if kind == "files":
        from .files import FilesSource

        return FilesSource(Path(argument))
    from .simulated import DEFAULT_START_WH, SimulatedSource

    return SimulatedSource(
        speed=capture.speed,
        start_utc=start_utc,
        start_wh=DEFAULT_START_WH if start_wh is None else start_wh,
    )
