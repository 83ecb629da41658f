"""Review of rejected frames: list, image, digit crops, correction, unreadable, training export.

A correction is the reading the owner typed for a rejected frame. It is stored as a manual
reading at the frame's time (analytics.events.add_manual_reading, so consumption uses it at
once) and the frame becomes
`corrected`; the frame's crops are labelled from that reading for the training export.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from ..analytics.events import MANUAL_SOURCE, EventError, add_manual_reading
from ..analytics.series import counter_modulus_wh
from ..config import Settings
from ..store import FrameRecord, Reading, Store
from .api_adaptation import learn_from_correction
from .api_live import iso_utc
from .deps import AppContext, get_context, get_settings, get_store, require_reader, require_user
from .frame_images import ImageError, cut_box, encode_png, read_image

CORRECTED, UNREADABLE = "corrected", "unreadable"
EXPORT_FRAMES_MAX = 5000

router = APIRouter(prefix="/api/frames", tags=["review"])


class Correction(BaseModel):
    reading: str  # the digits on the rollers ("0995160") or kWh ("99516.0" / "99516,0")
    force: bool = False  # store it even when it breaks the order of the neighbouring readings


def counter_wh_from_text(text: str, rollers: int, decimals: int) -> int:
    """The counter in Wh from what the owner typed; ValueError with a message when unclear."""
    cleaned = text.strip().replace(" ", "")
    if re.fullmatch(r"\d+", cleaned) and len(cleaned) == rollers:
        return int(cleaned) * 10 ** (3 - decimals)
    match = re.fullmatch(r"(\d+)(?:[.,](\d{1,3}))?", cleaned)
    if match is None:
        raise ValueError(
            f"{text!r}: type the {rollers} roller digits (e.g. {'0' * rollers}) or kWh such as"
            " 99516,0"
        )
    whole, fraction = match.group(1), (match.group(2) or "")
    return int(whole) * 1000 + int(fraction.ljust(3, "0") or 0)


def roller_digits(counter_wh: int, rollers: int, decimals: int) -> str:
    steps = counter_wh // 10 ** (3 - decimals)
    return str(steps % 10**rollers).zfill(rollers)


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
        return encode_png(cut_box(read_image(str(frame_image_path(frame, settings))), boxes[index]))
    except ImageError as error:
        raise HTTPException(404, str(error)) from None


@router.get("", dependencies=[Depends(require_reader)])
def list_frames(
    status: str | None = Query("rejected", description="rejected | corrected | unreadable | …"),
    limit: int = Query(50, ge=1, le=500),
    before: int | None = Query(None, description="only frames with a smaller id (paging)"),
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
                image = read_image(str(frame_image_path(frame, settings)))
            except (HTTPException, ImageError):
                continue
            for roller, (box, digit) in enumerate(zip(view["boxes"], view["label"], strict=False)):
                try:
                    png = encode_png(cut_box(image, box))
                except ImageError:
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
    frame_id: int, store: Store = Depends(get_store), settings: Settings = Depends(get_settings)
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
    frame_id: int,
    index: int,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    png = crop_png(get_frame(store, frame_id), index, settings)
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.post("/{frame_id}/unreadable", dependencies=[Depends(require_user)])
def mark_unreadable(
    frame_id: int, store: Store = Depends(get_store), settings: Settings = Depends(get_settings)
) -> dict:
    frame = get_frame(store, frame_id)
    store.set_frame_status(frame_id, UNREADABLE, frame.reason)
    return frame_view(get_frame(store, frame_id), store, settings)


@router.post("/{frame_id}/correction", dependencies=[Depends(require_user)])
def correct(
    frame_id: int,
    body: Correction,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
    context: AppContext = Depends(get_context),
) -> dict:
    frame = get_frame(store, frame_id)
    if frame.status == CORRECTED:
        raise HTTPException(409, f"frame {frame_id} is already corrected")
    rollers = len(frame.boxes or settings.meter.digit_boxes)
    try:
        counter_wh = counter_wh_from_text(body.reading, rollers, settings.meter.decimals)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    if not body.force:
        check_order(store, frame.t_utc, counter_wh)
    modulus_wh = counter_modulus_wh(rollers, settings.meter.decimals)
    try:
        add_manual_reading(store, frame.t_utc, counter_wh, int(time.time()), modulus_wh)
    except EventError as error:
        raise HTTPException(422, str(error)) from None
    store.set_frame_status(frame_id, CORRECTED, frame.reason)
    # The owner's correction teaches the reader this meter's digits (issue 14).
    digits = roller_digits(counter_wh, rollers, settings.meter.decimals)
    learn_from_correction(context, frame, digits)
    return frame_view(get_frame(store, frame_id), store, settings)


def check_order(store: Store, t_utc: int, counter_wh: int) -> None:
    """A counter only grows: refuse a value below the reading before or above the one after."""
    before = reading_before(store, t_utc + 1)
    if before is not None and before.counter_wh > counter_wh:
        raise HTTPException(
            422,
            f"{counter_wh / 1000:.1f} kWh is less than the reading before it"
            f" ({before.counter_wh / 1000:.1f} kWh at {iso_utc(before.t_utc)})",
        )
    after = store.readings(t_utc + 1, 2**62, limit=1)
    if after and after[0].counter_wh < counter_wh:
        raise HTTPException(
            422,
            f"{counter_wh / 1000:.1f} kWh is more than the reading after it"
            f" ({after[0].counter_wh / 1000:.1f} kWh at {iso_utc(after[0].t_utc)})",
        )


def reading_before(store: Store, t_utc: int) -> Reading | None:
    """The newest reading before t_utc, looking back in growing windows (minute readings)."""
    for window_s in (3600, 86400, 31 * 86400, 400 * 86400):
        rows = store.readings(t_utc - window_s, t_utc)
        if rows:
            return rows[-1]
    return None
