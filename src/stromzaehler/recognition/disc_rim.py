"""What one frame of the disc window shows: the rim's profile and the mark on it.

The rim profile is the mean colour of the rim band in each of `columns` columns. RimProfile
learns what the rim looks like without the mark (a per-column background, updated where no mark
is seen) and how much the profile flickers there; `observe` finds the mark as the run of
columns clearly darker than the background in any colour channel, after the frame's LED gain
has been divided out. Counting revolutions from the mark's positions is disc.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class TrackerConfig:
    columns: int = 48  # profile resolution across the window
    learn_frames: int = 25  # usable frames before tracking starts (5 s at 5 frames/s)
    min_contrast: float = 0.15  # relative darkening of the rim that can be a mark
    noise_factor: float = 5.0  # ... and at least this many times the learned flicker
    hysteresis: float = 0.12  # of the half window, around the middle
    visible_half_arc_deg: float = 35.0  # the window shows the rim over +-35 degrees
    glare_share: float = 0.5  # light added over the dark slot, of the rim's own: glare
    background_rate: float = 0.003  # per frame, where the rim is seen without the mark
    brighten_rate: float = 0.03  # background catches up fast where the rim got brighter
    max_gap_s: float = 10.0  # unusable longer than this: the next interval is not trusted
    direction: int = 0  # +1 left to right, -1 right to left, 0 learn from the first passes


@dataclass(frozen=True)
class Observation:
    status: str  # learning | mark | clear | obscured | unusable | dropped
    position: float | None = None  # p in [-1, 1] along the direction of travel
    contrast: float = 0.0
    width: int = 0  # columns the mark covers


class RimProfile:
    """The learned rim of one disc window (columns x channels arrays once learned)."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self._learn: list[np.ndarray] = []
        self._rim_rows: np.ndarray | None = None
        self._slot_rows: np.ndarray | None = None
        self._background: np.ndarray | None = None  # columns x channels
        self._slot_level: np.ndarray | None = None  # columns x channels
        self._noise: np.ndarray | None = None  # columns x channels: darkening noise

    @property
    def learned(self) -> bool:
        return self._background is not None

    def small(self, crop: np.ndarray) -> np.ndarray:
        image = crop if crop.ndim == 3 else crop[:, :, None]
        height = image.shape[0]
        small = cv2.resize(image, (self.config.columns, height), interpolation=cv2.INTER_AREA)
        return small.reshape(height, self.config.columns, -1).astype(np.float32)

    def observe(
        self, crop: np.ndarray, direction: int
    ) -> tuple[Observation, np.ndarray | None]:
        """The mark's run on a learned rim, and the columns with glare (None where the frame
        was unusable). "clear" is for the tracker to turn into "obscured" when glare covers
        the column where a pass expects the mark."""
        cfg = self.config
        small = self.small(crop)
        raw_rim = small[self._rim_rows].mean(axis=0)  # columns x channels
        slot = small[self._slot_rows].mean(axis=0)
        background, slot_level = self._background, self._slot_level
        assert slot_level is not None and self._noise is not None
        # Light reflected by the glass adds to the rim what it adds to the dark slot above it.
        added = np.maximum(slot - slot_level, 0.0)
        rim = raw_rim - added
        added_share = added.sum(axis=1) / background.sum(axis=1)
        glare = (added_share > cfg.glare_share) | (raw_rim.max(axis=1) > 240.0)
        usable = ~glare
        if usable.sum() < cfg.columns // 3:
            return Observation("unusable"), None
        level = rim.sum(axis=1)
        expected = background.sum(axis=1)
        gain = float(np.median(level[usable] / expected[usable]))
        if not 0.5 < gain < 2.0:
            return Observation("unusable"), None  # LED off, or the window washed out
        self.adapt_slot(slot)
        rim /= gain
        # Relative darkening per colour channel; the floor keeps unlit channels (green under
        # a red LED) from turning noise into contrast.
        darkening = (background - rim) / (background + 20.0)
        z = (darkening / self._noise).max(axis=1)
        contrast = darkening.max(axis=1)
        candidate = (z > cfg.noise_factor) & (contrast > cfg.min_contrast) & usable
        run = _strongest_run(candidate, contrast)
        if run is not None:
            start, stop = run
            width = stop - start
            weights = contrast[start:stop]
            peak = float(weights.max())
            if width > cfg.columns // 2:
                return Observation("unusable"), None  # a wide shadow is no mark
            edge = start == 0 or stop == cfg.columns
            if width >= 2 or edge:
                self.adapt(rim, darkening, usable, (start, stop), gain, added_share)
                centre = float((np.arange(start, stop) * weights).sum() / weights.sum())
                p = (2.0 * (centre + 0.5) / cfg.columns - 1.0) * (direction or 1)
                return Observation("mark", p, peak, width), glare
        self.adapt(rim, darkening, usable, None, gain, added_share)
        return Observation("clear"), glare

    def learn(self, crop: np.ndarray) -> None:
        cfg = self.config
        self._learn.append(self.small(crop))
        if len(self._learn) < cfg.learn_frames:
            return
        frames = np.stack(self._learn)  # frames x rows x columns x channels
        self._learn.clear()
        rows = np.median(frames.mean(axis=(2, 3)), axis=0)
        low, high = float(rows.min()), float(rows.max())
        if high - low < 10.0:
            return  # no rim to be seen (LED off, lens covered): learn again
        self._rim_rows = rows >= low + 0.5 * (high - low)
        self._slot_rows = rows <= low + 0.2 * (high - low)
        rims = frames[:, self._rim_rows].mean(axis=1)  # frames x columns x channels
        # A moving mark darkens each column in a few frames only: a high percentile is the
        # rim without it. A mark that sat still is removed later by the fast brightening rate.
        self._background = np.percentile(rims, 80, axis=0).astype(np.float32)
        self._slot_level = np.percentile(frames[:, self._slot_rows].mean(axis=1), 20, axis=0)
        gains = np.median(rims.sum(axis=2) / self._background.sum(axis=1), axis=1)
        darkening = (self._background - rims / gains[:, None, None]) / (self._background + 20.0)
        spread = np.median(np.abs(darkening - np.median(darkening, axis=0)), axis=0) * 1.5
        self._noise = np.maximum(spread, 0.01).astype(np.float32)

    def adapt_slot(self, slot: np.ndarray) -> None:
        # The dark slot's own level (black level and stray LED light) hardly changes; a
        # reflection on the glass must stay measured against it, so it rises very slowly.
        level = self._slot_level
        assert level is not None
        rate = np.where(slot < level, 0.01, 1e-5).astype(np.float32)
        level += rate * (slot - level)

    def adapt(
        self,
        rim: np.ndarray,
        darkening: np.ndarray,
        usable: np.ndarray,
        mark: tuple[int, int] | None,
        gain: float,
        added_share: np.ndarray,
    ) -> None:
        cfg = self.config
        background, noise = self._background, self._noise
        assert background is not None and noise is not None
        free = usable.copy()
        if mark is not None:
            free[max(mark[0] - 2, 0) : mark[1] + 2] = False
        z = darkening / noise
        # Brighter than learned: the rim without the mark is brighter than we thought (or a
        # mark sat in the learning frames). Columns outside the mark's run follow slowly
        # either way; the mark's own columns keep the rim as it was.
        # Only where the glass adds no light: the subtraction of a reflection is not exact.
        brighter = (z < -cfg.noise_factor) & (added_share < 0.1)[:, None]
        rate = np.where(brighter, cfg.brighten_rate, cfg.background_rate)
        rate = np.where(free[:, None], rate, 0.0).astype(np.float32)
        background += rate * (rim - background)
        # The LED ageing or a new exposure: the whole background follows the frame's gain.
        background *= np.float32(1.0 + cfg.background_rate * (gain - 1.0))
        # Noise: squared deviation, clipped so that a mark creeping in cannot inflate it.
        quiet = free[:, None] & (np.abs(z) < 3.0)
        target = np.sqrt(np.minimum(darkening * darkening, 9.0 * noise * noise))
        noise += np.where(quiet, 0.01 * (target * 1.25 - noise), 0.0).astype(np.float32)
        np.maximum(noise, 0.005, out=noise)


def _strongest_run(candidate: np.ndarray, weight: np.ndarray) -> tuple[int, int] | None:
    """[start, stop) of the run of candidate columns (gaps of one allowed) with most weight."""
    columns = np.flatnonzero(candidate)
    if columns.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(columns) > 2)
    starts = np.concatenate(([0], breaks + 1))
    stops = np.concatenate((breaks + 1, [columns.size]))
    best, best_weight = None, -1.0
    for a, b in zip(starts, stops, strict=True):
        total = float(weight[columns[a] : columns[b - 1] + 1].sum())
        if total > best_weight:
            best, best_weight = (int(columns[a]), int(columns[b - 1]) + 1), total
    return best
