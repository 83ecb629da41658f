"""The owner's answer to a rejected frame: the reading typed for it, stored as a manual
reading at the frame's time under the one rule for typed readings, and the frame marked
`corrected` (its crops are then labelled from that reading for the training export)."""

from __future__ import annotations

import time

from ..analytics.events import add_manual_reading
from ..config import Settings
from ..geometry import counter_wh_from_text
from ..status import FrameStatus
from ..store import FrameRecord, Store
from ..store.counters import CounterStore
from ..typed_reading import CounterLimits


def correct_frame(
    store: Store,
    frame: FrameRecord,
    typed: str,
    settings: Settings,
    force: bool = False,
    now_utc: int | None = None,
) -> int:
    """Store what the owner typed for `frame` and mark it corrected; returns the counter in Wh.
    ValueError (EventError among them) with a one-line message when the text is unclear or the
    reading does not fit its neighbours (unless forced)."""
    meter = settings.meter
    rollers = len(frame.boxes or meter.digit_boxes)
    counter_wh = counter_wh_from_text(typed, rollers, meter.decimals)
    limits = CounterLimits.for_meter(rollers, meter.decimals, settings.gate.max_power_w)
    now = int(time.time()) if now_utc is None else now_utc
    add_manual_reading(CounterStore(store), store, frame.t_utc, counter_wh, now, limits, force)
    store.set_frame_status(frame.id, FrameStatus.CORRECTED, frame.reason)
    return counter_wh
