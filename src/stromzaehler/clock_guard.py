"""The wall clock against the monotonic clock: no reading with a time implausibly far ahead.

A Pi has no real-time clock, and a bad time source can move the wall clock by a year. Between
two frames the wall clock must advance about as much as the monotonic clock (which no time
source moves). A frame whose wall time ran ahead by more than TOLERANCE_S is rejected as
`clock_ahead`, until the clock comes back or keeps its new time for CONFIRM_FRAMES frames in a
row (a boot-time NTP step that is right): a gap is better than a reading at a wrong time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .status import Reason

TOLERANCE_S = 300.0
CONFIRM_FRAMES = 10
CLOCK_AHEAD = Reason.CLOCK_AHEAD


class ClockGuard:
    def __init__(
        self,
        tolerance_s: float = TOLERANCE_S,
        confirm_frames: int = CONFIRM_FRAMES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tolerance_s = tolerance_s
        self.confirm_frames = confirm_frames
        self._monotonic = monotonic
        self._anchor: tuple[float, float] | None = None  # (wall, monotonic) of a trusted frame
        self._ahead_frames = 0

    def check(self, wall_utc: float) -> str | None:
        """None when the frame's wall time is plausible, else CLOCK_AHEAD."""
        now = self._monotonic()
        if self._anchor is None:
            self._anchor = (wall_utc, now)
            return None
        wall0, mono0 = self._anchor
        ahead = (wall_utc - wall0) - (now - mono0)
        if ahead > self.tolerance_s:
            self._ahead_frames += 1
            if self._ahead_frames < self.confirm_frames:
                return CLOCK_AHEAD
            # The new time has held for a while: take it (the jump was a correction).
        self._ahead_frames = 0
        self._anchor = (wall_utc, now)
        return None
