"""Review of rejected frames: list, image, digit crops, correction, unreadable, training export.

A correction is the reading the owner typed for a rejected frame (capture/review.py: stored
as a manual reading at the frame's time, so consumption uses it at once, and the frame becomes
`corrected`); the frame's crops are labelled from that reading for the training export.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from ..analytics.events import MANUAL_SOURCE
from ..capture.review import correct_frame
from ..clock import iso_utc
from ..config import Settings
from ..geometry import roller_digits
from ..sources.images import ImageError, box_png, box_pngs
from ..status import FrameStatus
from ..store import FrameRecord, Store
from .api_adaptation import learn_from_correction
from .deps import AppContext, get_context, get_settings, get_store, require_reader, require_user
from .params import SQLITE_MAX_INT, RowId

CORRECTED, UNREADABLE = FrameStatus.CORRECTED, FrameStatus.UNREADABLE
EXPORT_FRAMES_MAX = 5000

router = APIRouter(prefix="/api/frames", tags=["review"])


class Correction(BaseModel):
    reading: str  # the digits on the rollers ("0995160") or kWh ("99516.0" / "99516,0")
    force: bool = False  # store it even when it breaks the order of the neighbouring readings


def manual_reading_at(store: Store, t_utc: int) -> int | None:
    for reading in store.readings(t_utc, t_utc + 1):
        if reading.source == MANUAL_SOURCE:
            return reading.counter_wh
    return None


def frame_view(frame: FrameRecord, store: Store, settings: Settings) -> dict[str, Any]:
    meter = settings.meter
    corrected_wh = manual_reading_at(store, frame.t_utc) if frame.status == CORRECTED else None
    return {
        "id": frame.id,
        "time": iso_utc(frame.t_utc),
        "t_utc": frame.t_utc,
        "source": frame.source,
        "status": frame.status,
        "reason": frame.reason,
        "reading": frame.reading,
        "counter_wh": frame.counter_wh,
        "confidence": frame.confidence,
        "digits": frame.digits or [],
        "boxes": frame.boxes or [],
        "has_image": bool(frame.image_path) and Path(frame.image_path or "").is_file(),
        "corrected_wh": corrected_wh,
        "label": None
        if corrected_wh is None
        else roller_digits(corrected_wh, len(frame.boxes or meter.digit_boxes), meter.decimals),
    }


def get_frame(store: Store, frame_id: int) -> FrameRecord:
    frame = store.frame(frame_id)
    if frame is None:
        raise HTTPException(404, f"no frame {frame_id}")
    return frame


def frame_image_path(frame: FrameRecord, settings: Settings) -> Path:
    """The kept image, only when it lies inside the data folder."""
    if not frame.image_path:
        raise HTTPException(404, f"the image of frame {frame.id} is not kept")
    path = Path(frame.image_path).resolve()
    if not path.is_relative_to(settings.storage.data_dir.resolve()) or not path.is_file():
        raise HTTPException(404, f"the image of frame {frame.id} is gone")
    return path


def crop_png(frame: FrameRecord, index: int, settings: Settings) -> bytes:
    boxes = frame.boxes or []
    if not 0 <= index < len(boxes):
        raise HTTPException(404, f"frame {frame.id} has no digit box {index}")
    try:
        return box_png(str(frame_image_path(frame, settings)), boxes[index])
    except ImageError as error:
        raise HTTPException(404, str(error)) from None


@router.get("", dependencies=[Depends(require_reader)])
def list_frames(
    # one of the statuses (status.FrameStatus), anything else is a 422; empty or left out: all
    status: FrameStatus | Literal[""] | None = Query(
        FrameStatus.REJECTED, description="a frame status; empty for every status"
    ),
    limit: int = Query(50, ge=1, le=500),
    before: int | None = Query(
        None, ge=0, le=SQLITE_MAX_INT, description="only frames with a smaller id (paging)"
    ),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    frames = store.frames(status=status or None, limit=limit, before_id=before)
    return {
        "frames": [frame_view(f, store, settings) for f in frames],
        "next_before": frames[-1].id if len(frames) == limit else None,
        "counts": store.frame_counts(),
    }


@router.get(
    "/export.zip",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"application/zip": {}}}},
)
def export_labelled_crops(
    store: Store = Depends(get_store), settings: Settings = Depends(get_settings)
) -> Response:
    """Crops of corrected frames with their digit from the corrected reading, plus labels.csv."""
    buffer = io.BytesIO()
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["file", "label", "model_value", "frame_id", "roller", "captured_at_utc"])
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for frame in store.frames(status=CORRECTED, limit=EXPORT_FRAMES_MAX):
            view = frame_view(frame, store, settings)
            if view["label"] is None or not view["has_image"]:
                continue
            try:
                pngs = box_pngs(str(frame_image_path(frame, settings)), view["boxes"])
            except (HTTPException, ImageError):
                continue
            for roller, (png, digit) in enumerate(zip(pngs, view["label"], strict=False)):
                if png is None:
                    continue
                name = f"f{frame.id:06d}_r{roller}.png"
                archive.writestr(name, png)
                read = view["digits"][roller] if roller < len(view["digits"]) else {}
                writer.writerow(
                    [name, digit, read.get("value", ""), frame.id, roller, view["time"]]
                )
                count += 1
        archive.writestr("labels.csv", table.getvalue())
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="stromzaehler-digits.zip"',
            "X-Crop-Count": str(count),
        },
    )


@router.get(
    "/{frame_id}/image",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"image/jpeg": {}}}},
)
def frame_image(
    frame_id: RowId, store: Store = Depends(get_store), settings: Settings = Depends(get_settings)
) -> FileResponse:
    return FileResponse(
        frame_image_path(get_frame(store, frame_id), settings), media_type="image/jpeg"
    )


@router.get(
    "/{frame_id}/crops/{index}",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"image/png": {}}}},
)
def frame_crop(
    frame_id: RowId,
    index: int,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    png = crop_png(get_frame(store, frame_id), index, settings)
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.post("/{frame_id}/unreadable", dependencies=[Depends(require_user)])
def mark_unreadable(
    frame_id: RowId, store: Store = Depends(get_store), settings: Settings = Depends(get_settings)
) -> dict:
    frame = get_frame(store, frame_id)
    store.set_frame_status(frame_id, UNREADABLE, frame.reason)
    return frame_view(get_frame(store, frame_id), store, settings)


@router.post("/{frame_id}/correction", dependencies=[Depends(require_user)])
def correct(
    frame_id: RowId,
    body: Correction,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    context: AppContext = Depends(get_context),
) -> dict:
    frame = get_frame(store, frame_id)
    if frame.status == CORRECTED:
        raise HTTPException(409, f"frame {frame_id} is already corrected")
    try:
        counter_wh = correct_frame(store, frame, body.reading, settings, force=body.force)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    # The owner's correction teaches the reader this meter's digits (issue 14).
    rollers = len(frame.boxes or settings.meter.digit_boxes)
    digits = roller_digits(counter_wh, rollers, settings.meter.decimals)
    learn_from_correction(context, frame, digits)
    return frame_view(get_frame(store, frame_id), store, settings)
