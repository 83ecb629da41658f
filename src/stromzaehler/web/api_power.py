"""Power from the disc: the figure now, the last revolution, means, tracking state; a live stream.

The disc loop (if the service runs one) is `app.state.disc_loop`; without it the figures come
from the revolutions in the store and tracking is "off".
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ..analytics.disc_power import PowerNow, check_revolutions_per_kwh, power_now
from ..capture.disc_loop import RECENT_REVOLUTIONS, DiscLoop
from ..clock import iso_utc
from ..config import Settings
from ..status import TrackingState
from ..store import Store
from ..store.revolutions import RevolutionStore
from .deps import get_settings, get_store, require_reader, require_user

STREAM_PERIOD_S = 1.0

router = APIRouter(prefix="/api", tags=["power"])


def _iso(t_utc: float | None) -> str | None:
    return None if t_utc is None else iso_utc(t_utc, "milliseconds")


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def power_payload(
    loop: DiscLoop | None, store: Store, revolutions_per_kwh: float, now_utc: float | None = None
) -> dict:
    if loop is not None:
        now = loop.power(now_utc)
        state = loop.state()
        tracking = {
            "state": state.tracking,
            "enabled": loop.enabled,
            "source": state.source,
            "frames_per_s": _round(state.frames_per_s, 2),
            "unusable_share": round(state.unusable_share, 4),
            "revolutions_counted": state.revolutions,
            "last_error": state.last_error,
        }
    else:
        latest = RevolutionStore(store).latest(RECENT_REVOLUTIONS)
        now = power_now(
            [r.t_utc for r in latest],
            [r.continuous for r in latest],
            time.time() if now_utc is None else now_utc,
            revolutions_per_kwh,
        )
        tracking = {"state": TrackingState.OFF, "enabled": False}
    return {**_power_fields(now), "revolutions_per_kwh": revolutions_per_kwh, "tracking": tracking}


def _power_fields(now: PowerNow) -> dict:
    return {
        "power_w": _round(now.power_w),
        "is_upper_bound": now.is_upper_bound,
        "last_revolution": _iso(now.last_revolution_utc),
        "last_revolution_utc": now.last_revolution_utc,
        "period_s": _round(now.period_s, 3),
        "mean_w": {
            "1min": _round(now.mean_w[60]),
            "5min": _round(now.mean_w[300]),
            "15min": _round(now.mean_w[900]),
        },
    }


def _loop(request: Request) -> DiscLoop | None:
    return getattr(request.app.state, "disc_loop", None)


class TrackingSwitch(BaseModel):
    enabled: bool


@router.put("/power/tracking", dependencies=[Depends(require_user)])
def switch_tracking(switch: TrackingSwitch, request: Request) -> dict:
    """Switch disc tracking (and the light it holds on) off or on until the next restart."""
    loop = _loop(request)
    if loop is None:
        raise HTTPException(503, "the disc loop is not running")
    loop.set_enabled(switch.enabled)
    return {"enabled": loop.enabled}


@router.get("/power", dependencies=[Depends(require_reader)])
def power(
    request: Request,
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    """Power now from the disc (W; an upper bound while the disc is slower than its last
    period), the time of the last revolution, mean power over 1/5/15 minutes, tracking."""
    return power_payload(_loop(request), store, settings.meter.revolutions_per_kwh)


@router.get("/power/check", dependencies=[Depends(require_reader)])
def revolutions_check(
    days: float = Query(7.0, gt=0, le=366, description="how many days back to compare"),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> dict:
    """Disc revolutions against counter increments: does the configured revolutions per kWh
    fit? `warning` is set when they disagree by more than 2 %; null fields mean too little
    tracked energy yet."""
    to_utc = time.time()
    from_utc = to_utc - days * 86400
    readings = store.readings(int(from_utc), int(to_utc) + 1)
    revolution_utc, continuous = RevolutionStore(store).arrays(from_utc, to_utc)
    configured = settings.meter.revolutions_per_kwh
    check = check_revolutions_per_kwh(
        [r.t_utc for r in readings],
        [r.counter_wh for r in readings],
        revolution_utc,
        continuous,
        configured,
    )
    return {
        "days": days,
        "configured_per_kwh": configured,
        "measured_per_kwh": _round(check.revolutions_per_kwh, 2),
        "deviation": _round(check.deviation, 4),
        "revolutions": round(check.revolutions, 1),
        "counter_wh": check.counter_wh,
        "warning": check.warning,
    }


@router.get(
    "/power/stream",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"text/event-stream": {}}}},
)
def power_stream(
    request: Request,
    count: int | None = Query(None, ge=1, description="end after this many events"),
    store: Store = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> StreamingResponse:
    """Server-sent events: the /api/power object once a second (event `power`)."""
    return StreamingResponse(
        _events(request, store, settings.meter.revolutions_per_kwh, count),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, store: Store, revolutions_per_kwh: float, count: int | None
) -> AsyncIterator[str]:
    loop = _loop(request)
    sent = 0
    while count is None or sent < count:
        if await request.is_disconnected():
            return
        payload = await asyncio.to_thread(power_payload, loop, store, revolutions_per_kwh)
        yield f"event: power\ndata: {json.dumps(payload)}\n\n"
        sent += 1
        if count is None or sent < count:
            await asyncio.sleep(STREAM_PERIOD_S)
