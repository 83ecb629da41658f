"""The aiming aid: the newest live frame (Live page) or one frame from the configured camera
(`stromzaehler doctor`), judged by recognition/aiming.py."""

from __future__ import annotations

from typing import Any

from ..config import MeterGeometry, Settings
from ..recognition.aiming import AimReport, assess
from ..sources import open_source, resolve_source_spec
from ..sources.images import decode_jpeg


def summarise(report: AimReport) -> tuple[bool, str, str]:
    """(ok, German verdicts with their figures, English advice for the failed checks)."""
    if report.ok:
        shown = [c for c in report.checks if c.name in {"sharpness", "fill", "brightness"}]
        detail = "gut zum Ablesen: " + ", ".join(
            f"{c.de} ({c.value:.3g})" if c.value is not None else c.de for c in shown
        )
        return True, detail, ""
    failed = [c for c in report.checks if not c.ok]
    detail = "; ".join(
        f"{c.de} ({c.name} {c.value:.3g}, {c.need})" if c.value is not None else c.de
        for c in failed
    )
    return False, detail, "; ".join(c.en for c in failed)


def aim_on_camera(settings: Settings) -> tuple[bool, str, str]:
    """Capture one frame from the configured source and judge it."""
    spec = resolve_source_spec(settings.capture.source)
    try:
        source = open_source(settings.capture.model_copy(update={"source": spec}))
        try:
            frame = source.capture()
        finally:
            source.close()
        report = assess(frame.image, settings.meter.geometry())
    except Exception as error:  # any camera or image problem is reported, not raised
        return False, f"{spec}: {error}", "fix the camera first"
    return summarise(report)


def assess_jpeg(jpeg: bytes, geometry: MeterGeometry) -> dict[str, Any]:
    """The aiming figures and verdicts of one JPEG frame, as the API returns them."""
    return assess(decode_jpeg(jpeg), geometry).as_dict()
