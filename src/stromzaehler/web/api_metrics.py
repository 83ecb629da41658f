"""GET /metrics: Prometheus exposition format (open like the other read endpoints)."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..publish.metrics import CONTENT_TYPE, build_registry, render
from .deps import require_reader
from .publish_deps import get_store_reader, publisher_state

router = APIRouter(tags=["metrics"])
_lock = threading.Lock()


@router.get(
    "/metrics",
    dependencies=[Depends(require_reader)],
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(request: Request) -> Response:
    """Energy (J, never decreasing), power (W), frames by status and reason, readings,
    last reading time, disc revolutions, MQTT publisher state, and process metrics."""
    state = request.app.state
    with _lock:
        registry = getattr(state, "metrics_registry", None)
        if registry is None:
            registry = build_registry(
                get_store_reader(request), lambda: publisher_state(state)
            )
            state.metrics_registry = registry
    return Response(render(registry), media_type=CONTENT_TYPE)
