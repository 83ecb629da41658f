"""Plausibility gate: which frame readings may be stored.

A reading is accepted only when the reader is confident and it fits the last accepted reading
(the anchor): not lower (except a rollover past all nines), not more than `max_power_w` times
the elapsed time higher, and not far above what the recent consumption rate predicts.

Readings that do not fit are not thrown away at once: they wait in a short pending list. When
several of them agree with each other they win:
- after a long gap or a jump above the recent rate, `confirm_frames` agreeing readings that
  also fit the anchor are accepted (the waiting ones come back in `backfill`, except those
  whose last roller lies off the way from the anchor to the confirming reading);
- readings that contradict the anchor (it was a bad value, or the meter really changed) take
  over once `reanchor_frames` of them agree over at least `reanchor_min_s` seconds.
So one bad accepted value or a long outage never locks the gate out for good.

A reading that moves the counter on needs `min_confidence_rising`; a less sure one waits for
confirmation like a jump. A reading the reader rejected (low confidence, rollers that disagree,
rollers unread) is never accepted, not even when it only repeats the anchor: a camera that
moved misreads the same way every minute, so agreeing with the last reading proves nothing.

Pure: time comes in as integer UTC seconds, state comes back through `restore`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .config import MeterGeometry, Settings
from .geometry import modulus_wh, wh_per_step
from .status import Reason


class _Readable(Protocol):
    @property
    def counter_wh(self) -> int | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reason(self) -> str | None: ...


class _Stored(Protocol):
    @property
    def t_utc(self) -> int: ...
    @property
    def counter_wh(self) -> int: ...


@dataclass(frozen=True)
class GateDecision:
    accepted: bool
    reason: str | None  # None when accepted; short stable strings otherwise
    counter_wh: int | None = None
    # Earlier rejected readings that this frame confirmed: (t_utc, counter_wh, confidence).
    backfill: tuple[tuple[int, int, float], ...] = ()
    reanchored: bool = False  # the anchor was replaced by readings that contradicted it


@dataclass(frozen=True)
class _Point:
    t_utc: int
    counter_wh: int
    confidence: float
    position_steps: float | None = None  # counter with the last roller's fraction, if read


# A waiting reading is stored with the one that confirmed it only if its last roller lies
# within this many steps of the straight line from the anchor to that reading: under a fast
# load a hand over the last roller read 0.24 as 1.18 between the anchor at 8.6 and readings
# at 1.1 and 1.8, whose digits agreed with it.
BACKFILL_POSITION_TOLERANCE_STEPS = 0.5


def _on_the_way(anchor: _Point, middle: _Point, last: _Point) -> bool:
    positions = (anchor.position_steps, middle.position_steps, last.position_steps)
    if None in positions or last.t_utc <= anchor.t_utc:
        return True
    share = (middle.t_utc - anchor.t_utc) / (last.t_utc - anchor.t_utc)
    expected = anchor.position_steps + share * (last.position_steps - anchor.position_steps)
    return abs(middle.position_steps - expected) <= BACKFILL_POSITION_TOLERANCE_STEPS


# The recent rate needs readings over at least this span to be trusted.
MIN_RATE_SPAN_S = 600
# Window of the rate that the last roller's position may follow (see _position_jumped).
POSITION_RATE_WINDOW_S = 900


class Gate:
    def __init__(
        self,
        max_power_w: float = 20000,
        step_wh: int = 100,
        rollover_wh: int | None = None,
        min_confidence: float = 0.5,
        gap_s: int = 900,
        confirm_frames: int = 3,
        reanchor_frames: int = 8,
        reanchor_min_s: int = 600,
        rate_window_s: int = 3600,
        rate_factor: float = 3.0,
        base_power_w: float = 1500,
        position_base_power_w: float = 500,
        position_tolerance_steps: float = 0.2,
        min_confidence_rising: float = 0.8,
    ) -> None:
        """`step_wh`: one step of the last roller; `rollover_wh`: counter value after all
        nines (e.g. 10**7 steps * 100 Wh), None when rollover cannot happen.

        A jump is "above the recent rate" when it exceeds one step plus
        max(rate_factor * recent power, base_power_w) over the elapsed time. When the reader
        gives the last roller's fraction (`position_steps`), a higher reading must also have
        moved the counter by no more than `position_tolerance_steps` plus the energy of
        max(rate_factor * power of the last POSITION_RATE_WINDOW_S, position_base_power_w): a
        last roller misread from 8.3 to 8.9 changes the digits by one step, as a real carry
        would, but its position jumped 0.6 step in a minute. A faster real rise (a kettle
        switched on) waits for the next frames and is then backfilled.
        """
        if max_power_w <= 0 or step_wh <= 0:
            raise ValueError("max_power_w and step_wh must be positive")
        if confirm_frames < 1 or reanchor_frames < confirm_frames:
            raise ValueError("need 1 <= confirm_frames <= reanchor_frames")
        self.max_power_w = max_power_w
        self.step_wh = step_wh
        self.rollover_wh = rollover_wh
        self.min_confidence = min_confidence
        self.gap_s = gap_s
        self.confirm_frames = confirm_frames
        self.reanchor_frames = reanchor_frames
        self.reanchor_min_s = reanchor_min_s
        self.rate_window_s = rate_window_s
        self.rate_factor = rate_factor
        self.base_power_w = base_power_w
        self.position_base_power_w = position_base_power_w
        self.position_tolerance_steps = position_tolerance_steps
        self.min_confidence_rising = min_confidence_rising
        self._history: deque[_Point] = deque()
        self._pending: deque[_Point] = deque(maxlen=4 * reanchor_frames)

    @property
    def anchor(self) -> tuple[int, int] | None:
        """The last accepted reading as (t_utc, counter_wh), if any."""
        if not self._history:
            return None
        last = self._history[-1]
        return last.t_utc, last.counter_wh

    def clock_went_backwards(self, t_utc: int) -> bool:
        """The one clock rule: a frame must come after the last accepted reading and after every
        reading waiting for confirmation (a Pi without a real-time clock can start in the past)."""
        if self._history and t_utc <= self._history[-1].t_utc:
            return True
        return bool(self._pending) and t_utc <= self._pending[-1].t_utc

    def restore(self, recent: Sequence[_Stored]) -> None:
        """Start from stored accepted readings (any order); the newest becomes the anchor."""
        self._history.clear()
        self._pending.clear()
        for reading in sorted(recent, key=lambda r: r.t_utc):
            self._remember(_Point(int(reading.t_utc), int(reading.counter_wh), 1.0))

    def check(self, reading: _Readable, t_utc: int) -> GateDecision:
        if self.clock_went_backwards(t_utc):
            return GateDecision(False, Reason.CLOCK_BACKWARDS)
        if reading.reason is not None:
            return GateDecision(False, reading.reason)
        if reading.counter_wh is None:
            return GateDecision(False, Reason.UNREADABLE)
        if reading.confidence < self.min_confidence:
            return GateDecision(False, Reason.LOW_CONFIDENCE)
        position = getattr(reading, "position_steps", None)
        point = _Point(
            int(t_utc),
            int(reading.counter_wh),
            float(reading.confidence),
            None if position is None else float(position),
        )
        if not self._history:
            verdict = Reason.UNCONFIRMED
        else:
            verdict = self._verdict(self._history[-1], point, use_rate=True)
            if verdict is None and point.t_utc - self._history[-1].t_utc > self.gap_s:
                verdict = Reason.UNCONFIRMED
        if verdict is None:
            self._accept(point)
            return GateDecision(True, None, point.counter_wh)
        return self._try_confirm(point, verdict)

    def _try_confirm(self, point: _Point, verdict: str) -> GateDecision:
        fits_anchor = verdict == Reason.UNCONFIRMED
        chain = self._agreeing_chain(point, fits_anchor)
        needed = self.confirm_frames if fits_anchor else self.reanchor_frames
        span_s = point.t_utc - chain[0].t_utc
        if len(chain) >= needed and (fits_anchor or span_s >= self.reanchor_min_s):
            if not fits_anchor:
                self._history.clear()
            elif self._history:
                anchor = self._history[-1]
                chain = [p for p in chain[:-1] if _on_the_way(anchor, p, point)] + [point]
            backfill = tuple((p.t_utc, p.counter_wh, p.confidence) for p in chain[:-1])
            for earlier in chain[:-1]:
                self._remember(earlier)
            self._accept(point)
            return GateDecision(True, None, point.counter_wh, backfill, not fits_anchor)
        self._pending.append(point)
        return GateDecision(False, verdict, point.counter_wh)

    def _agreeing_chain(self, point: _Point, fits_anchor: bool) -> list[_Point]:
        """`point` and the pending readings before it that agree with it and each other,
        oldest first; with `fits_anchor` only those that also fit the anchor."""
        anchor = self._history[-1] if self._history else None
        chain = [point]
        for earlier in reversed(self._pending):
            if self._verdict(earlier, chain[-1], use_rate=False) is not None:
                continue
            below_anchor = (
                fits_anchor
                and anchor is not None
                and self._verdict(anchor, earlier, use_rate=False) is not None
            )
            if not below_anchor:
                chain.append(earlier)
        chain.reverse()
        return chain

    def _verdict(self, before: _Point, after: _Point, use_rate: bool) -> str | None:
        """None when `after` may follow `before`; else the reason it may not."""
        elapsed_s = after.t_utc - before.t_utc
        if elapsed_s <= 0:
            return Reason.CLOCK_BACKWARDS
        delta_wh = after.counter_wh - before.counter_wh
        allowed_wh = self.step_wh + self.max_power_w * elapsed_s / 3600.0
        if delta_wh < 0 and self.rollover_wh is not None:
            wrapped_wh = delta_wh + self.rollover_wh
            if wrapped_wh <= allowed_wh:
                delta_wh = wrapped_wh
        if delta_wh < 0:
            return Reason.DECREASING
        if delta_wh > allowed_wh:
            return Reason.TOO_FAST
        if not use_rate or delta_wh == 0:
            return None
        if delta_wh > self._rate_allowance_wh(elapsed_s):
            return Reason.UNCONFIRMED
        if self._position_jumped(before, after, elapsed_s):
            return Reason.UNCONFIRMED
        # Moving the counter on claims more than repeating it: an unsure rise waits for the
        # next frames (a hand over a last roller at 8.42 read as 9.0 with confidence 0.64).
        if after.confidence < self.min_confidence_rising:
            return Reason.UNCONFIRMED
        return None

    def _position_jumped(self, before: _Point, after: _Point, elapsed_s: int) -> bool:
        if before.position_steps is None or after.position_steps is None:
            return False
        moved_steps = after.position_steps - before.position_steps
        if self.rollover_wh is not None and moved_steps < 0:
            moved_steps += self.rollover_wh / self.step_wh
        # The last roller's position shows the rate of the last minutes, not the hour: a
        # kettle earlier in the hour must not let a last roller misread by one digit pass.
        power_w = self._recent_power_w(POSITION_RATE_WINDOW_S, by_position=True)
        allowance_steps = power_w * elapsed_s / 3600.0 / self.step_wh
        return moved_steps > self.position_tolerance_steps + allowance_steps

    def _rate_allowance_wh(self, elapsed_s: int) -> float:
        power_w = self._recent_power_w(self.rate_window_s, by_position=False)
        return self.step_wh + power_w * elapsed_s / 3600.0

    def _recent_power_w(self, window_s: int, by_position: bool) -> float:
        """max(floor, rate_factor x the mean power of the accepted readings of the last
        window_s), from the last roller's position (floor position_base_power_w) or from the
        counter (floor base_power_w)."""
        floor_w = self.position_base_power_w if by_position else self.base_power_w
        if not self._history:
            return floor_w
        newest = self._history[-1].t_utc
        points = [
            p
            for p in self._history
            if newest - p.t_utc <= window_s and (p.position_steps is not None or not by_position)
        ]
        if len(points) < 2 or points[-1].t_utc - points[0].t_utc < MIN_RATE_SPAN_S:
            return floor_w
        first, last = points[0], points[-1]
        if by_position:
            energy_wh = (last.position_steps - first.position_steps) * self.step_wh  # type: ignore[operator]
        else:
            energy_wh = last.counter_wh - first.counter_wh
        recent_w = energy_wh * 3600.0 / (last.t_utc - first.t_utc)
        return max(floor_w, self.rate_factor * recent_w)

    def _accept(self, point: _Point) -> None:
        self._remember(point)
        self._pending.clear()

    def _remember(self, point: _Point) -> None:
        self._history.append(point)
        while self._history and point.t_utc - self._history[0].t_utc > self.rate_window_s:
            self._history.popleft()


def gate_for(geometry: MeterGeometry, **limits: float) -> Gate:
    """The gate for a counter of this geometry: one step of its last roller, rollover after
    all nines; `limits` are further Gate parameters (max_power_w, ...)."""
    rollers, decimals = len(geometry.digit_boxes), geometry.decimals
    return Gate(
        step_wh=wh_per_step(decimals),
        rollover_wh=modulus_wh(rollers, decimals),
        **limits,  # type: ignore[arg-type]
    )


def make_gate(settings: Settings) -> Gate:
    """The gate for the configured meter and maximum plausible power."""
    return gate_for(settings.meter.geometry(), max_power_w=settings.gate.max_power_w)
