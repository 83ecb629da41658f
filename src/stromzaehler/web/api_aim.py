"""`GET /api/aim`: the aiming aid's verdicts on the newest live frame.

Computed only when asked for (the Live page polls it while its aiming panel is open), once per
frame: repeated polls of the same frame get the stored answer.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from ..capture.aim import assess_jpeg
from ..capture.loop import CaptureService
from ..clock import iso_utc
from ..config import Settings
from .deps import get_service, get_settings, require_reader

router = APIRouter(prefix="/api", tags=["live"])

_lock = threading.Lock()


@router.get("/aim", dependencies=[Depends(require_reader)])
def aim(
    request: Request,
    settings: Settings = Depends(get_settings),
    service: CaptureService = Depends(get_service),
) -> dict[str, Any]:
    """Brightness, contrast, sharpness, fill, glare and rollers found, each with a verdict."""
    sequence, jpeg, captured_at = service.live.snapshot()
    if jpeg is None:
        raise HTTPException(503, "no frame captured yet: wait for the first capture")
    geometry = settings.meter.geometry()
    with _lock:
        cached = getattr(request.app.state, "aim_cache", None)
        if cached is not None and cached[0] == (sequence, geometry):
            return cached[1]
        answer = {
            "captured_at": iso_utc(captured_at) if captured_at else None,
            "sequence": sequence,
            **assess_jpeg(jpeg, geometry),
        }
        request.app.state.aim_cache = ((sequence, geometry), answer)
        return answer
