"""What happens to one captured frame: read it, let the gate judge it, store the outcome.

A reading is stored only when the reader read every digit and the gate accepted it; every
other frame is logged as rejected with its reason, and its image is kept (bounded) for review.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ..clock import clock_synchronised
from ..clock_guard import TOLERANCE_S, ClockGuard
from ..config import Settings
from ..gate import Gate, make_gate
from ..recognition.result_view import reading_view
from ..sources import Frame
from ..status import FrameStatus, Reason
from ..store import Reading, Store
from ..store.clock_errors import flag_readings_after
from .setup_confirmation import SETUP_UNCONFIRMED, SIMULATED_SOURCE

if TYPE_CHECKING:
    from ..recognition.reading import FrameReading
    from .reader_setup import Recognizer

log = logging.getLogger(__name__)

# Accepted readings the gate sees again after a restart (its recent-rate window).
RESTORED_READINGS = 60


@dataclass(frozen=True)
class Outcome:
    status: FrameStatus  # accepted | rejected | unread | failed
    reason: str | None = None
    reading: str | None = None
    counter_wh: int | None = None
    confidence: float | None = None
    digits: list[dict[str, Any]] | None = None
    boxes: list[list[int]] | None = None
    frame_id: int | None = None


class FrameHandler:
    """Without a recognizer (tests of the loop) every frame is logged as `unread`."""

    def __init__(
        self,
        store: Store,
        recognizer: Recognizer | None = None,
        gate: Gate | None = None,
        frames_dir: Path | None = None,
        keep_rejected: int = 500,
        require_clock_sync: bool = False,
        clock_ok: Callable[[], bool | None] = clock_synchronised,
        first_reading_allowed: Callable[[str], bool] = lambda source: True,
        on_read: Callable[[int, np.ndarray, FrameReading, bool], None] | None = None,
    ) -> None:
        """`first_reading_allowed(frame_source)`: whether a reading may be stored while the
        store holds none (see setup_confirmation). `on_read(t_utc, image, reading, accepted)`
        sees every frame the reader read (the adaptation collects its samples there)."""
        self.store = store
        self.recognizer = recognizer
        self.gate = gate
        self.frames_dir = frames_dir
        self.keep_rejected = keep_rejected
        self.require_clock_sync = require_clock_sync
        self.clock_ok = clock_ok
        self.first_reading_allowed = first_reading_allowed
        self.on_read = on_read
        self._last_image: np.ndarray | None = None
        self.clock_guard = ClockGuard()
        self.clock_note: str | None = None  # what the clock did last (for health and the log)
        self._last_result: FrameReading | None = None
        if gate is not None:
            gate.restore(store.recent_readings(RESTORED_READINGS))

    @classmethod
    def for_settings(cls, store: Store, settings: Settings) -> FrameHandler:
        from .reader_setup import Recognizer
        from .setup_confirmation import SetupConfirmation

        data_dir = settings.storage.data_dir
        recognizer = Recognizer(settings, data_dir)
        confirmation = SetupConfirmation(data_dir)
        return cls(
            store,
            recognizer,
            make_gate(settings),
            frames_dir=data_dir / "frames",
            keep_rejected=settings.storage.rejected_frames_kept,
            require_clock_sync=settings.capture.require_clock_sync,
            first_reading_allowed=lambda source: confirmation.allows_first_reading(
                recognizer.settings.meter.geometry(), source
            ),
            on_read=recognizer.observe,
        )

    def reconfigure(self, settings: Settings) -> None:
        self.keep_rejected = settings.storage.rejected_frames_kept
        self.require_clock_sync = settings.capture.require_clock_sync
        if self.recognizer is None:
            return
        old = self.recognizer.settings
        self.recognizer.reconfigure(settings, self._last_image)
        if (old.gate, old.meter) != (settings.gate, settings.meter):
            self.gate = make_gate(settings)
            self.gate.restore(self.store.recent_readings(RESTORED_READINGS))

    def handle(self, frame: Frame) -> Outcome:
        t_utc = int(frame.captured_at_utc)
        outcome = self._judge(frame, t_utc)
        rejected = outcome.status == FrameStatus.REJECTED
        if self.on_read is not None and self._last_result is not None:
            accepted = outcome.status == FrameStatus.ACCEPTED
            try:
                self.on_read(t_utc, frame.image, self._last_result, accepted)
            except Exception:  # learning is extra: it must never cost a reading
                log.exception("collecting adaptation samples failed")
        image_path = self._keep_image(frame, t_utc) if rejected else None
        frame_id = self.store.log_frame(
            t_utc,
            frame.source,
            outcome.status,
            outcome.reason,
            reading=outcome.reading,
            counter_wh=outcome.counter_wh,
            confidence=outcome.confidence,
            digits=outcome.digits,
            boxes=outcome.boxes,
            image_path=image_path,
        )
        return replace(outcome, frame_id=frame_id)

    def _judge(self, frame: Frame, t_utc: int) -> Outcome:
        self._last_image = frame.image
        self._last_result = None
        if self.recognizer is None or self.gate is None:
            return Outcome(status=FrameStatus.UNREAD)
        last = self.store.last_reading()
        if last is not None and self.gate.anchor != (last.t_utc, last.counter_wh):
            # The store changed behind the gate's back (a manual reading or a correction).
            self.gate.restore(self.store.recent_readings(RESTORED_READINGS))
        reader = self.recognizer.reader
        result = reader.read(frame.image, previous_wh=last.counter_wh if last else None)
        self._last_result = result
        view = reading_view(result)
        kept = ("reading", "counter_wh", "confidence", "digits", "boxes")
        read = {key: view[key] for key in kept}
        clock_problem = self._clock_problem(t_utc, last, frame.source)
        if clock_problem is not None:
            return Outcome(status=FrameStatus.REJECTED, reason=clock_problem, **read)
        if last is None and result.reason is None and not self.first_reading_allowed(frame.source):
            # Kept out of the gate, so these frames cannot confirm a first reading later.
            return Outcome(status=FrameStatus.REJECTED, reason=SETUP_UNCONFIRMED, **read)
        # The gate owns the one clock rule: after the last accepted reading, or clock_backwards.
        decision = self.gate.check(result, t_utc)
        if not decision.accepted:
            return Outcome(status=FrameStatus.REJECTED, reason=decision.reason, **read)
        # Committed before the next capture starts: nothing accepted is lost by a crash.
        # Earlier frames that this one confirmed (after a gap or at the start) come along.
        self.store.add_readings_bulk(
            [(t, wh, confidence, frame.source) for t, wh, confidence in decision.backfill]
            + [(t_utc, decision.counter_wh, result.confidence, frame.source)]
        )
        if not self.recognizer.has_reference:
            self.recognizer.set_reference(frame.image)
        return Outcome(status=FrameStatus.ACCEPTED, **read)

    def _clock_problem(self, t_utc: int, last: Reading | None, source: str) -> Reason | None:
        if self.require_clock_sync and not self.clock_ok():
            return Reason.CLOCK_UNSYNCHRONISED
        # The simulated meter keeps its own (possibly accelerated) time, not the wall clock's.
        if source != SIMULATED_SOURCE and self.clock_guard.check(t_utc) is not None:
            log.warning("clock: the wall clock ran ahead of the monotonic clock; frame rejected")
            return Reason.CLOCK_AHEAD
        if last is not None and t_utc <= last.t_utc:
            self._flag_readings_ahead(t_utc, last)
        return None

    def _flag_readings_ahead(self, t_utc: int, last: Reading) -> None:
        """Readings far ahead of a synchronised clock were stored during a jump: flag them as
        clock errors (kept, in Review, out of consumption), so that the gate judges this frame
        against the readings that are left."""
        if last.t_utc - t_utc <= TOLERANCE_S or not self.clock_ok():
            return
        flagged = flag_readings_after(self.store, t_utc, t_utc)
        self.clock_note = f"{flagged} readings stored ahead of the clock flagged as clock errors"
        log.warning("clock: %s (the newest %d s ahead)", self.clock_note, last.t_utc - t_utc)
        if self.gate is not None:
            self.gate.restore(self.store.recent_readings(RESTORED_READINGS))

    def _keep_image(self, frame: Frame, t_utc: int) -> str | None:
        if self.frames_dir is None or self.keep_rejected == 0:
            return None
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        path = self.frames_dir / f"{t_utc}.jpg"
        if not cv2.imwrite(str(path), frame.image):
            log.warning("could not keep the rejected frame in %s", path)
            return None
        for frame_id, old_path in self.store.frame_images_beyond(self.keep_rejected - 1):
            Path(old_path).unlink(missing_ok=True)
            self.store.forget_frame_image(frame_id)
        return str(path)
