"""Set-up of the meter geometry: read and save the boxes, test-read them, propose them.

Test read and proposal work on the newest live frame. Both need the recognition package; while
the reader or the digit model is not available they answer 503 with the reason.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import ValidationError

from ..config import ConfigError, MeterSettings, Settings
from ..service import CaptureService
from ..setup_confirmation import SetupConfirmation
from .api_live import iso_utc
from .deps import (
    AppContext,
    get_context,
    get_service,
    get_settings,
    require_reader,
    require_user,
)
from .frame_images import ImageError, decode_jpeg

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
        return MeterSettings.model_validate({**current.model_dump(), **body})
    except ValidationError as error:
        problem = error.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        raise HTTPException(422, f"meter.{key}: {message}") from None


def live_image(service: CaptureService) -> tuple[Any, float | None]:
    _, jpeg, captured_at = service.live.snapshot()
    if jpeg is None:
        raise HTTPException(503, "no frame captured yet: wait for the first capture")
    try:
        return decode_jpeg(jpeg), captured_at
    except ImageError as error:
        raise HTTPException(500, str(error)) from None


def digit_model(request: Request) -> Any:
    """The digit model, loaded once per app (loading it takes longer than a read)."""
    with _model_lock:
        model = getattr(request.app.state, "setup_digit_model", None)
        if model is None:
            try:
                from ..recognition.digits import DigitModel

                model = DigitModel.load()
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
    try:
        from ..recognition.reading import MeterReader
    except ImportError as error:
        raise HTTPException(503, f"test read is not available: no reader yet ({error})") from None
    image, captured_at = live_image(service)
    reader = MeterReader(meter.geometry(), model=digit_model(request))
    result = reader.read(image)
    return {
        "captured_at": iso_utc(captured_at) if captured_at else None,
        "reading": result.reading,
        "counter_wh": result.counter_wh,
        "kwh": None if result.counter_wh is None else result.counter_wh / 1000,
        "confidence": float(result.confidence),
        "reason": result.reason,
        "digits": [
            {"digit": d.digit, "value": round(float(d.value), 3), "confidence": float(d.confidence)}
            for d in result.digits
        ],
        "boxes": [[b.x, b.y, b.w, b.h] for b in result.boxes],
    }


@router.get("/propose", dependencies=[Depends(require_user)])
def propose(
    digits: int | None = Query(None, ge=1, le=12, description="number of rollers"),
    settings: Settings = Depends(get_settings),
    service: CaptureService = Depends(get_service),
) -> dict:
    """Digit boxes found automatically on the newest frame (not saved)."""
    try:
        locate = importlib.import_module("stromzaehler.recognition.locate")
    except ImportError:
        raise HTTPException(
            503, "automatic boxes are not available yet (no stromzaehler.recognition.locate)"
        ) from None
    image, captured_at = live_image(service)
    count = digits or len(settings.meter.digit_boxes)
    boxes = locate.propose_boxes(image, count)
    if not boxes:
        raise HTTPException(422, f"no {count} digit boxes found on the newest frame")
    return {
        "captured_at": iso_utc(captured_at) if captured_at else None,
        "digit_boxes": [[int(b.x), int(b.y), int(b.w), int(b.h)] for b in boxes],
    }
