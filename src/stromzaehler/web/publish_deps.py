"""Dependencies for the publishers' routes: the MQTT publisher and the shared store reader.

`serve` (runtime.py) puts both on `app.state`; an app built without them (tests, tools) gets
a store reader on first use and no publisher.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request

from ..publish.readout import StoreReader

_lock = threading.Lock()


def publisher_state(app_state: Any) -> dict[str, Any]:
    """The MQTT publisher's connection state ({"state": "off"} without a publisher)."""
    publisher = getattr(app_state, "mqtt", None)
    return publisher.state() if publisher is not None else {"state": "off"}


def get_store_reader(request: Request) -> StoreReader:
    state = request.app.state
    with _lock:
        reader = getattr(state, "store_reader", None)
        if reader is None:
            context = state.context
            reader = StoreReader(
                context.store, context.settings, getattr(state, "disc_loop", None)
            )
            context.hub.subscribe(reader.reconfigure)
            state.store_reader = reader
    return reader
