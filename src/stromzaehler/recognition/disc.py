"""Count the Ferraris disc's revolutions from small crops of the disc window.

Pure: frames (a crop and its time) in, revolution events out; no camera, clock or SQL. What a
single frame shows (the rim profile and the mark on it) is disc_rim.py; this module turns the
mark's positions over time into revolutions.

Each frame is reduced to a profile: the mean colour of the rim band in each of `columns`
columns. The tracker learns what the rim looks like without the mark (a per-column background,
updated where no mark is seen) and how much the profile flickers there. The mark is the run of
columns that is clearly darker than the background in any colour channel after the whole
frame's LED gain has been divided out; its position is p in [-1, 1] along the direction of
travel (-1 entering, +1 leaving the window).

A pass of the mark is counted exactly once:
- hysteresis: when it has been seen before the middle (p < -hysteresis) and then after it
  (p > +hysteresis); the time is interpolated to the moment it crossed the middle;
- tolerance: a pass seen on one side only (fast disc, dropped frames, glare over the middle)
  is counted when the pass closes, its time extrapolated with the disc's speed;
- a pass closes only after the mark must have left the window at the speed seen, and after
  frames in which the mark could have been seen and was not; frames with glare over the
  mark's place, dark frames (LED off) and dropped frames do not count as "not seen";
- direction check: a pass that moves against the learned direction is not counted.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .disc_rim import Observation, RimProfile, TrackerConfig

__all__ = ["DiscTracker", "Observation", "Revolution", "TrackerConfig"]


@dataclass(frozen=True)
class Revolution:
    t_utc: float  # when the mark passed the middle of the window
    continuous: bool  # tracked without a long gap since the previous revolution
    method: str  # "crossing" (seen both sides) or "extrapolated"


@dataclass
class _Pass:
    first_t: float
    first_p: float
    last_t: float
    last_p: float
    min_p: float
    max_p: float
    strong: bool
    before: tuple[float, float] | None = None  # last (t, p) with p < 0
    counted: bool = False
    detections: int = 1
    sign_change_t: float | None = None  # first time the mark crossed the middle, any way
    wide: bool = False  # seen whole at least once (not only one column at the window's edge)
    # The latest sightings, for the speed now (the disc may have sped up within the pass).
    recent: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=8))

    def add_fit(self, t: float, p: float) -> None:
        self.recent.append((t, p))

    def speed(self) -> float | None:
        """p per second over the latest sightings, when the mark has moved measurably."""
        if len(self.recent) < 2:
            return None
        times = np.array([t for t, _ in self.recent])
        positions = np.array([p for _, p in self.recent])
        if positions.max() - positions.min() < 0.1:
            return None
        times -= times.mean()
        denom = float((times * times).sum())
        if denom <= 1e-9:
            return None
        return float((times * (positions - positions.mean())).sum()) / denom


class DiscTracker:
    """Feed `update(t_utc, crop)` for every frame in time order; it returns the revolutions."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.direction = self.config.direction
        self._direction_votes = 0
        self._rim = RimProfile(self.config)
        self._pass: _Pass | None = None
        self._seen_free_s = 0.0  # time since the pass's last sighting, mark visible if there
        self._last_t: float | None = None
        self._last_usable_t: float | None = None
        self._gap_since_revolution = True
        self._blind: deque[tuple[float, float]] = deque(maxlen=32)
        self._last_revolution_t: float | None = None
        self.period_s: float | None = None
        self.last_observation = Observation("learning")
        self.frames = 0
        self.unusable_frames = 0

    # public -------------------------------------------------------------------------------
    @property
    def learning(self) -> bool:
        return not self._rim.learned

    def update(self, t_utc: float, crop: np.ndarray | None) -> list[Revolution]:
        """One frame; crop None means the frame was dropped."""
        self.frames += 1
        step = 0.0 if self._last_t is None else max(t_utc - self._last_t, 0.0)
        self._last_t = t_utc
        observation = self._observe(crop)
        self.last_observation = observation
        if observation.status in ("dropped", "unusable", "obscured"):
            self.unusable_frames += 1
            if (
                self._last_usable_t is not None
                and t_utc - self._last_usable_t > self.config.max_gap_s
            ):
                self._gap_since_revolution = True
        elif observation.status != "learning":
            if self._last_usable_t is not None and t_utc - self._last_usable_t > 0.3:
                # Frames in between showed nothing: the mark may have passed unseen.
                self._blind.append((self._last_usable_t, t_utc))
            self._last_usable_t = t_utc
        revolutions: list[Revolution] = []
        if observation.status == "mark":
            assert observation.position is not None
            self._sighting(
                t_utc, observation.position, observation.contrast, observation.width, revolutions
            )
        elif observation.status == "clear" and self._pass is not None:
            self._seen_free_s += step
            self._maybe_close(t_utc, revolutions)
        return revolutions

    # image -> observation ----------------------------------------------------------------
    def _observe(self, crop: np.ndarray | None) -> Observation:
        if crop is None:
            return Observation("dropped")
        if not self._rim.learned:
            self._rim.learn(crop)
            return Observation("learning")
        observation, glare = self._rim.observe(crop, self.direction)
        if observation.status == "clear" and glare is not None and self._pass is not None:
            # Glare over where the mark should be: not seeing it there proves nothing.
            expected_column = self._expected_column()
            if expected_column is not None and glare[expected_column]:
                return Observation("obscured")
        return observation

    # positions -> revolutions ------------------------------------------------------------
    def _omega_deg_s(self) -> float | None:
        if self._pass is not None:
            speed = self._pass.speed()
            # Positions are already along the travel direction once it is known.
            if speed is not None and (self.direction == 0 or speed > 0):
                return abs(speed) * self.config.visible_half_arc_deg
        if self.period_s:
            return 360.0 / self.period_s
        return None

    def _angle(self, p: float) -> float:
        half = math.radians(self.config.visible_half_arc_deg)
        return math.degrees(math.asin(max(-1.0, min(1.0, p)) * math.sin(half)))

    def _expected_column(self) -> int | None:
        current = self._pass
        if current is None:
            return None
        p = current.last_p * (self.direction or 1)
        return int(
            np.clip(round((p + 1.0) / 2.0 * self.config.columns - 0.5), 0, self.config.columns - 1)
        )

    def _sighting(
        self, t: float, p: float, contrast: float, width: int, out: list[Revolution]
    ) -> None:
        cfg = self.config
        current = self._pass
        if current is not None and self.direction != 0 and p < current.last_p - 0.6:
            # The mark is back at the entry side: the last pass is over (fast disc).
            self._close(t, out)
            current = None
        strong = contrast > 3 * cfg.min_contrast and width >= 2
        if current is None:
            self._pass = _Pass(t, p, t, p, p, p, strong, wide=width >= 2)
            self._pass.add_fit(t, p)
            if p < 0:
                self._pass.before = (t, p)
            self._seen_free_s = 0.0
            return
        current.detections += 1
        current.strong = current.strong or strong
        current.wide = current.wide or width >= 2
        current.add_fit(t, p)
        self._seen_free_s = 0.0
        if (
            self.direction != 0
            and not current.counted
            and current.min_p < -cfg.hysteresis
            and p > cfg.hysteresis
            and current.before is not None
        ):
            t0, p0 = current.before
            a0, a1 = self._angle(p0), self._angle(p)
            crossing = t0 + (t - t0) * (-a0) / (a1 - a0) if a1 > a0 else t
            current.counted = True
            self._count(crossing, "crossing", out)
        if p < 0:
            current.before = (t, p)
        if current.sign_change_t is None and (p < 0) != (current.last_p < 0):
            share = -current.last_p / (p - current.last_p) if p != current.last_p else 0.5
            current.sign_change_t = current.last_t + share * (t - current.last_t)
        current.last_t, current.last_p = t, p
        current.min_p = min(current.min_p, p)
        current.max_p = max(current.max_p, p)

    def _maybe_close(self, t: float, out: list[Revolution]) -> None:
        current = self._pass
        assert current is not None
        frames_s = 0.6  # about three frames at 5 frames/s must show the window without it
        if self._seen_free_s < frames_s:
            return
        omega = self._omega_deg_s()
        if omega is None:
            # Speed unknown: wait long enough for a slow mark to have shown itself again.
            if self._seen_free_s < 20.0:
                return
        else:
            speed = current.speed()
            heading = -1.0 if self.direction == 0 and speed is not None and speed < 0 else 1.0
            exit_deg = 1.15 * self.config.visible_half_arc_deg
            left_at = current.last_t + (exit_deg - self._angle(heading * current.last_p)) / omega
            if t < left_at and self._seen_free_s < 20.0 + 2.0 * (left_at - current.last_t):
                return
        self._close(t, out)

    def _close(self, t: float, out: list[Revolution]) -> None:
        current = self._pass
        self._pass = None
        if current is None:
            return
        if not current.wide:
            return  # one column at the edge, however often: noise, dirt or the window frame
        if current.max_p - current.min_p < 0.05 and self._omega_deg_s() is None:
            return  # sat still and vanished, with no speed known to have carried it out
        # Which way the mark went over the whole pass (positions as seen, before learning).
        moved = current.last_p - current.first_p
        slope = moved if current.max_p - current.min_p >= 0.3 else None
        if self.direction == 0:
            if slope is not None:
                self._direction_votes += 1 if slope > 0 else -1
                if abs(self._direction_votes) >= 2:
                    self.direction = 1 if self._direction_votes > 0 else -1
            if current.detections > 1 or current.strong:
                # Direction not known yet: where the sightings changed sides, else their middle.
                t_cross = current.sign_change_t or (current.first_t + current.last_t) / 2.0
                self._count(t_cross, "extrapolated", out)
            return
        if current.counted or (slope is not None and slope < 0):
            return  # counted already, or moving backwards (a wobble, or the disc in reverse)
        if current.detections == 1 and not current.strong:
            return  # one faint sighting is too little to count a revolution
        omega = self._omega_deg_s()
        a_first, a_last = self._angle(current.first_p), self._angle(current.last_p)
        if current.min_p >= 0:
            t_cross = current.first_t - (a_first / omega if omega else 0.0)
        elif current.max_p <= 0:
            t_cross = current.last_t + (-a_last / omega if omega else 0.0)
        else:
            t_cross = (current.first_t + current.last_t) / 2.0
        if self._last_revolution_t is not None:
            t_cross = max(t_cross, self._last_revolution_t + 1e-3)
        self._count(t_cross, "extrapolated", out)

    def _count(self, t_cross: float, method: str, out: list[Revolution]) -> None:
        continuous = not self._gap_since_revolution and self._last_revolution_t is not None
        if continuous and self._last_revolution_t is not None and self.period_s:
            hidden = self._hidden_revolution(self._last_revolution_t, t_cross, self.period_s)
            if hidden is not None:
                out.append(Revolution(hidden, True, "inferred"))
                self._last_revolution_t = hidden
        if continuous and self._last_revolution_t is not None:
            self.period_s = t_cross - self._last_revolution_t
        out.append(Revolution(t_cross, continuous, method))
        self._last_revolution_t = t_cross
        self._gap_since_revolution = False

    def _hidden_revolution(self, t_last: float, t_next: float, period_s: float) -> float | None:
        """The time of a pass that fell into dropped or glaring frames, when the disc's steady
        speed says one is missing (twice the period) and the frames then could not show it."""
        interval = t_next - t_last
        if not 1.75 < interval / period_s < 2.25:
            return None
        middle = t_last + interval / 2.0
        visible_s = period_s * 2.0 * self.config.visible_half_arc_deg / 360.0
        slack = 0.3 * period_s
        for blind_from, blind_to in self._blind:
            overlaps = blind_from < middle + slack and blind_to > middle - slack
            if overlaps and blind_to - blind_from >= 0.5 * visible_s:
                return middle
        return None
