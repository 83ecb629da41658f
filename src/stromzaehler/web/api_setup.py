"""Set-up of the meter geometry: read and save the boxes, test-read them, propose them.

Test read and proposal work on the newest live frame (capture/setup_reads.py); while the digit
model cannot be loaded the test read answers 503 with the reason.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import ValidationError

from ..capture import setup_reads
from ..capture.loop import CaptureService
from ..capture.setup_confirmation import SetupConfirmation
from ..clock import iso_utc
from ..config import ConfigError, MeterSettings, Settings
from ..geometry import GeometryError, check_rollers
from ..sources.images import ImageError
from .deps import (
    AppContext,
    get_context,
    get_service,
    get_settings,
    require_reader,
    require_user,
)

router = APIRouter(prefix="/api/setup", tags=["setup"])

_model_lock = threading.Lock()


def geometry_view(meter: MeterSettings) -> dict[str, Any]:
    return {
        "digit_boxes": meter.digit_boxes,
        "decimals": meter.decimals,
        "disc_window": meter.disc_window,
        "revolutions_per_kwh": meter.revolutions_per_kwh,
    }


def parse_meter(body: dict[str, Any], current: MeterSettings) -> MeterSettings:
    """The current [meter] settings with the body's fields applied, or 422 naming the field."""
    unknown = set(body) - set(MeterSettings.model_fields)
    if unknown:
        raise HTTPException(422, f"meter.{sorted(unknown)[0]}: unknown setting")
    try:
        meter = MeterSettings.model_validate({**current.model_dump(), **body})
    except ValidationError as error:
        problem = error.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        raise HTTPException(422, f"meter.{key}: {message}") from None
    try:
        check_rollers(len(meter.digit_boxes), meter.decimals)  # as the command line does
    except GeometryError as error:
        raise HTTPException(422, f"meter.decimals: {error}") from None
    return meter


def live_jpeg(service: CaptureService) -> tuple[bytes, float | None]:
    _, jpeg, captured_at = service.live.snapshot()
    if jpeg is None:
        raise HTTPException(503, "no frame captured yet: wait for the first capture")
    return jpeg, captured_at


def digit_model(request: Request) -> Any:
    """The digit model, loaded once per app (loading it takes longer than a read)."""
    with _model_lock:
        model = getattr(request.app.state, "setup_digit_model", None)
        if model is None:
            try:
                model = setup_reads.load_digit_model()
            except Exception as error:
                raise HTTPException(
                    503, f"test read is not available: the digit model cannot be loaded ({error})"
                ) from None
            request.app.state.setup_digit_model = model
        return model


@router.get("/geometry", dependencies=[Depends(require_reader)])
def read_geometry(settings: Settings = Depends(get_settings)) -> dict:
    return geometry_view(settings.meter)


@router.put("/geometry", dependencies=[Depends(require_user)])
def save_geometry(body: dict[str, Any], context: AppContext = Depends(get_context)) -> dict:
    meter = parse_meter(body, context.settings.meter)
    try:
        settings = context.update_settings({"meter": geometry_view(meter)})
    except ConfigError as error:
        raise HTTPException(422, str(error)) from None
    # Saving the boxes on a frame of this camera is the owner's word that they sit right.
    SetupConfirmation(settings.storage.data_dir).confirm(settings.meter.geometry(), "boxes")
    return geometry_view(settings.meter)


@router.post("/test-read", dependencies=[Depends(require_user)])
def test_read(
    body: dict[str, Any],
    request: Request,
    settings: Settings = Depends(get_settings),
    service: CaptureService = Depends(get_service),
) -> dict:
    """What the reader gets from the newest frame with the given (unsaved) geometry."""
    meter = parse_meter(body, settings.meter)
    jpeg, captured_at = live_jpeg(service)
    try:
        view = setup_reads.read_with_geometry(jpeg, meter.geometry(), digit_model(request))
    except ImageError as error:
        raise HTTPException(500, str(error)) from None
    return {"captured_at": iso_utc(captured_at) if captured_at else None, **view}


@router.get("/propose", dependencies=[Depends(require_user)])
def propose(
    digits: int | None = Query(None, ge=1, le=12, description="number of rollers"),
    settings: Settings = Depends(get_settings),
    service: CaptureService = Depends(get_service),
) -> dict:
    """Digit boxes found automatically on the newest frame (not saved)."""
    jpeg, captured_at = live_jpeg(service)
    count = digits or len(settings.meter.digit_boxes)
    try:
        boxes = setup_reads.proposed_boxes(jpeg, count)
    except ImageError as error:
        raise HTTPException(500, str(error)) from None
    if not boxes:
        raise HTTPException(422, f"no {count} digit boxes found on the newest frame")
    return {"captured_at": iso_utc(captured_at) if captured_at else None, "digit_boxes": boxes}
