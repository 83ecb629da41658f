"""Health, the live image (JPEG and MJPEG), readings, capture-now and the LED switch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from ..analytics.query import QueryContext
from ..capture.loop import CaptureService
from ..clock import iso_utc
from ..config import Settings
from ..health_checks import Finding, evaluate, publisher_check, standard_checks, status_only
from ..store import Store
from .deps import (
    AppContext,
    Session,
    current_session,
    get_context,
    get_service,
    get_settings,
    get_store,
    require_reader,
    require_user,
)
from .params import parse_range
from .publish_deps import publisher_state

MJPEG_BOUNDARY = "stromzaehlerframe"
STREAM_POLL_S = 0.2
READINGS_LIMIT = 100_000

router = APIRouter(prefix="/api", tags=["live"])


@router.get("/health")
def health(
    request: Request,
    context: AppContext = Depends(get_context),
    session: Session | None = Depends(current_session),
) -> dict:
    """Status (ok, degraded, failing) with its reasons; with auth.open_read = false a client
    without a session sees the status only."""
    store, settings = context.store, context.settings
    capture = context.service.health if context.service else None
    facts: dict = {}
    publisher = publisher_state(request.app.state)

    def database() -> Finding | None:
        last = store.last_reading()
        facts["last_reading"] = None if last is None else {
            "time": iso_utc(last.t_utc),
            "t_utc": last.t_utc,
            "counter_wh": last.counter_wh,
            "kwh": last.counter_wh / 1000,
            "source": last.source,
        }
        facts["readings"] = store.count_readings()
        facts["frames"] = store.frame_counts()
        facts["database_bytes"] = store.size_bytes()
        return None

    def last_reading_utc() -> int | None:
        last = facts.get("last_reading")
        return None if last is None else last["t_utc"]

    checks = [
        ("database", database),
        *standard_checks(
            capture,
            settings.storage.data_dir,
            last_reading_utc,
            settings.capture.interval_s / (context.service.speed if context.service else 1.0),
            settings.capture.require_clock_sync,
        ),
        ("publisher", publisher_check(lambda: publisher)),
    ]
    status, reasons = evaluate(checks)
    report = {
        **(capture.as_dict() if capture else {"source": "stopped"}),
        "status": status,
        "reasons": reasons,
        "last_reading": facts.get("last_reading"),
        "readings": facts.get("readings"),
        "frames": facts.get("frames", {}),
        "database_bytes": facts.get("database_bytes"),
        "mqtt": publisher,
        "clock_note": getattr(context.service.handler, "clock_note", None)
        if context.service
        else None,
    }
    if not settings.auth.open_read and session is None:
        return status_only(report)
    return report


@router.get(
    "/image",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"image/jpeg": {}}}, 503: {"description": "no frame yet"}},
)
def image(service: CaptureService = Depends(get_service)) -> Response:
    _, jpeg, captured_at = service.live.snapshot()
    if jpeg is None:
        return JSONResponse({"detail": "no frame captured yet"}, status_code=503)
    return Response(
        jpeg,
        media_type="image/jpeg",
        headers={"Cache-Control": "no-store", "X-Captured-At": iso_utc(captured_at or 0)},
    )


@router.get(
    "/stream",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}": {}}}},
)
def stream(request: Request, service: CaptureService = Depends(get_service)) -> StreamingResponse:
    return StreamingResponse(
        mjpeg_parts(request, service),
        media_type=f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}",
        headers={"Cache-Control": "no-store"},
    )


async def mjpeg_parts(request: Request, service: CaptureService) -> AsyncIterator[bytes]:
    # Each part ends with the next boundary: browsers show an image only once the boundary
    # after it has arrived, and the next frame may be a minute away.
    boundary = f"--{MJPEG_BOUNDARY}\r\n".encode()
    yield boundary
    sent = -1
    while not await request.is_disconnected():
        sequence, jpeg, _ = service.live.snapshot()
        if jpeg is not None and sequence != sent:
            sent = sequence
            header = f"Content-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            yield header.encode() + jpeg + b"\r\n" + boundary
        await asyncio.sleep(STREAM_POLL_S)


@router.get("/live", dependencies=[Depends(require_reader)])
def live(service: CaptureService = Depends(get_service)) -> dict:
    """What was read from the newest frame: boxes, digits, status (for drawing on the stream)."""
    outcome = service.live.outcome
    return {
        "captured_at": iso_utc(service.live.captured_at_utc)
        if service.live.captured_at_utc
        else None,
        "sequence": service.live.sequence,
        "light": service.light.is_on,
        "outcome": None if outcome is None else outcome.__dict__,
    }


@router.get("/readings", dependencies=[Depends(require_reader)])
def readings(
    from_: str | None = Query(None, alias="from", description="ISO 8601 or epoch seconds"),
    to: str | None = Query(None, description="ISO 8601 or epoch seconds (exclusive)"),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    ctx = QueryContext.for_settings(settings)
    from_utc, to_utc = parse_range(ctx, from_, to, 86400, now_utc=int(time.time()) + 1)
    rows = store.readings(from_utc, to_utc, limit=READINGS_LIMIT + 1)
    return {
        "from": iso_utc(from_utc),
        "to": iso_utc(to_utc),
        "truncated": len(rows) > READINGS_LIMIT,
        "readings": [
            {
                "time": iso_utc(r.t_utc),
                "t_utc": r.t_utc,
                "counter_wh": r.counter_wh,
                "kwh": r.counter_wh / 1000,
                "confidence": r.confidence,
                "source": r.source,
            }
            for r in rows[:READINGS_LIMIT]
        ],
    }


class LightSwitch(BaseModel):
    on: bool


@router.post("/capture", dependencies=[Depends(require_user)])
def capture_now(service: CaptureService = Depends(get_service)) -> dict:
    service.capture_now()
    return {"requested": True}


@router.post("/light", dependencies=[Depends(require_user)])
def light(body: LightSwitch, service: CaptureService = Depends(get_service)) -> dict:
    service.light.set(body.on)
    return {"on": service.light.is_on, "light": service.light.name}


