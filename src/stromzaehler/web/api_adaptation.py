"""This meter's adaptation: its state, teach (the reading the owner sees), reset.

`GET /api/adaptation` says whether the reader is adapted and from how many samples, and what a
new installation still misses before its first reading is stored. `POST /api/adaptation/teach`
checks the reader against the typed reading on the newest live frame; `DELETE /api/adaptation`
forgets the samples. The reading itself happens in stromzaehler.adaptation (imported in the
routes: the web layer holds no OpenCV code).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from ..capture.loop import CaptureService
from ..capture.setup_confirmation import SIMULATED_SOURCE, SetupConfirmation
from ..config import Settings
from .api_setup import live_jpeg
from .deps import AppContext, get_context, get_service, require_reader, require_user

router = APIRouter(prefix="/api/adaptation", tags=["setup"])
log = logging.getLogger(__name__)


class Teach(BaseModel):
    reading: str  # what the meter shows: "099516.0" or the roller digits "0995160"


def _recognizer(service: CaptureService | None) -> Any:
    handler = getattr(service, "handler", None)
    return getattr(handler, "recognizer", None)


def adaptation_view(context: AppContext) -> dict[str, Any]:
    from ..capture.adaptation_store import AdaptationStore, summary

    settings: Settings = context.settings
    geometry = settings.meter.geometry()
    data_dir = settings.storage.data_dir
    view = summary(AdaptationStore(data_dir).load(geometry))
    confirmed_by = SetupConfirmation(data_dir).confirmed_by(geometry)
    has_readings = context.store.last_reading() is not None
    source = getattr(getattr(context.service, "health", None), "source", None)
    simulated = SIMULATED_SOURCE in (settings.capture.source, source)
    missing = None
    if not (has_readings or confirmed_by or simulated):
        missing = "confirmation"  # save the boxes or type the reading on the Set-up page
    return {**view, "confirmed_by": confirmed_by, "first_reading_missing": missing}


@router.get("", dependencies=[Depends(require_reader)])
def state(context: AppContext = Depends(get_context)) -> dict:
    return adaptation_view(context)


@router.post("/teach", dependencies=[Depends(require_user)])
def teach_reading(
    body: Teach,
    context: AppContext = Depends(get_context),
    service: CaptureService = Depends(get_service),
) -> dict:
    from ..capture.adaptation import teach_on_jpeg
    from ..capture.reader_setup import Recognizer

    settings = context.settings
    data_dir = settings.storage.data_dir
    jpeg, _ = live_jpeg(service)
    try:
        result = teach_on_jpeg(
            jpeg,
            body.reading,
            settings.meter.geometry(),
            data_dir,
            lambda: Recognizer(settings, data_dir).reader,
        )
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    recognizer = _recognizer(service)
    if recognizer is not None:
        recognizer.rebuild()  # the running reader picks up the new samples
    return {
        "agrees": result.confirmed,
        "typed": result.typed,
        "read": result.read,
        "mismatches": [m.__dict__ for m in result.mismatches],
        "samples_added": result.samples_added,
        "message": result.message(),
        **adaptation_view(context),
    }


@router.delete("", dependencies=[Depends(require_user)])
def reset(context: AppContext = Depends(get_context)) -> dict:
    from ..capture.adaptation_store import AdaptationStore

    AdaptationStore(context.settings.storage.data_dir).reset()
    recognizer = _recognizer(context.service)
    if recognizer is not None:
        recognizer.rebuild()
    return adaptation_view(context)


def learn_from_correction(context: AppContext, frame: Any, digits: str) -> int:
    """Keep the crops of a frame corrected in Review as samples (labelled with the corrected
    digits); the number kept. Learning is extra: any trouble is logged, never raised."""
    from ..capture.adaptation import samples_from_frame
    from ..capture.adaptation_store import AdaptationStore

    if not frame.image_path or not frame.boxes:
        return 0
    try:
        samples = samples_from_frame(frame.image_path, frame.boxes, frame.digits, digits)
        if samples:
            geometry = context.settings.meter.geometry()
            AdaptationStore(context.settings.storage.data_dir).add(geometry, samples, "review")
            recognizer = _recognizer(context.service)
            if recognizer is not None:
                recognizer.rebuild()
        return len(samples)
    except Exception:
        log.exception("keeping the corrected frame's crops as samples failed")
        return 0
