"""A fast, timed sequence of disc-window crops with ground truth, for the disc tracker.

Only the small window below the counter is rendered (a low-resolution crop like the one the
disc loop takes from the camera), so a simulated day at 5 frames/s renders in seconds. The disc
angle follows the same mechanics as the full meter (`MeterMechanics.disc_revolutions`): the mark
is in the middle of the window whenever the registered energy is a whole number of
revolutions, so the truth revolution times are exactly when the cumulative revolution count
crosses an integer.

The window shows the disc's rim edge-on: a column at horizontal offset x from the middle sees
the rim point at angle asin(x / R) in front of the camera, so the mark crosses the window
faster in the middle than at its edges. Faults: sensor noise, LED flicker (whole-frame gain),
glare bursts on the glass, a slowly wandering reflection, dark frames and dropped frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .household import HouseholdModel

PowerSeries = Callable[[int, int], np.ndarray]  # (start_utc, end_utc) -> W for every second


@dataclass(frozen=True)
class DiscWindowStyle:
    """How the window looks; defaults match the reference frame at half resolution."""

    width_px: int = 69
    height_px: int = 26
    rim_top: float = 0.60  # rim band as fractions of the window height
    rim_bottom: float = 0.86
    visible_half_arc_deg: float = 35.0  # the window shows the rim from -35 to +35 degrees
    mark_width_deg: float = 8.0
    mark: str = "black"  # "black" or "red"
    direction: int = 1  # +1: the mark moves left to right


@dataclass(frozen=True)
class DiscFaults:
    noise_sigma: float = 5.0  # grey levels
    flicker: float = 0.08  # relative LED gain jitter from frame to frame
    glare_bursts_per_hour: float = 6.0
    glare_burst_s: tuple[float, float] = (1.0, 20.0)
    reflection: float = 40.0  # peak brightness of a wandering reflection on the glass
    dropped: float = 0.03  # share of frames that never arrive
    dark: float = 0.002  # share of frames with the LED off (almost black)
    timing_jitter_s: float = 0.01


NO_FAULTS = DiscFaults(0.0, 0.0, 0.0, (1.0, 1.0), 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class DiscFrame:
    t_utc: float
    image: np.ndarray | None  # BGR uint8 crop, None when the frame was dropped


def household_power(seed: int = 0, annual_kwh: float = 3500.0) -> PowerSeries:
    return HouseholdModel(seed=seed, annual_kwh=annual_kwh).power_series_w


def constant_power(power_w: float) -> PowerSeries:
    return lambda start, end: np.full(end - start, float(power_w))


def steps_power(steps: list[tuple[float, float]]) -> PowerSeries:
    """[(duration_s, power_w), ...] from the sequence start, repeating the last step."""

    def series(start: int, end: int) -> np.ndarray:
        values = np.concatenate([np.full(round(d), p, dtype=np.float64) for d, p in steps])
        n = end - start
        if values.size < n:
            values = np.concatenate([values, np.full(n - values.size, steps[-1][1])])
        return values[:n]

    return series


class DiscSequence:
    """Frames of the disc window from start_utc (integer s) for duration_s at fps, with truth."""

    def __init__(
        self,
        power: PowerSeries,
        start_utc: int,
        duration_s: int,
        fps: float = 5.0,
        seed: int = 0,
        revolutions_per_kwh: float = 75.0,
        style: DiscWindowStyle | None = None,
        faults: DiscFaults | None = None,
        start_revolutions: float = 0.37,
    ) -> None:
        self.start_utc = int(start_utc)
        self.duration_s = int(duration_s)
        self.fps = fps
        self.revolutions_per_kwh = revolutions_per_kwh
        self.style = style or DiscWindowStyle()
        self.faults = faults or DiscFaults()
        self._rng = np.random.default_rng(seed)
        self._power = power
        self._start_revolutions = start_revolutions
        self._renderer = _Renderer(self.style, self._rng)
        # Cumulative energy at each whole second: power is constant within a second.
        power_w = power(self.start_utc, self.start_utc + self.duration_s)
        self.power_w = power_w
        self.energy_wh = np.concatenate(([0.0], np.cumsum(power_w) / 3600.0))

    # truth -------------------------------------------------------------------------------
    def energy_at_wh(self, t_utc: np.ndarray | float) -> np.ndarray:
        seconds = np.asarray(t_utc, dtype=np.float64) - self.start_utc
        grid = np.arange(self.energy_wh.size, dtype=np.float64)
        return np.interp(seconds, grid, self.energy_wh)

    def revolutions_at(self, t_utc: np.ndarray | float) -> np.ndarray:
        energy = self.energy_at_wh(t_utc)
        return self._start_revolutions + energy * self.revolutions_per_kwh / 1000.0

    def revolution_times_utc(self) -> np.ndarray:
        """When the mark passed the middle of the window (cumulative count crosses an integer)."""
        revs = self._start_revolutions + self.energy_wh * self.revolutions_per_kwh / 1000.0
        targets = np.arange(math.floor(revs[0]) + 1, math.floor(revs[-1]) + 1, dtype=np.float64)
        seconds = np.interp(targets, revs, np.arange(revs.size, dtype=np.float64))
        return self.start_utc + seconds

    # frames ------------------------------------------------------------------------------
    def frames(self, chunk: int = 4096) -> Iterator[DiscFrame]:
        n_frames = int(self.duration_s * self.fps)
        faults = self.faults
        glare = _GlareSchedule(self._rng, self.duration_s, faults)
        for first in range(0, n_frames, chunk):
            count = min(chunk, n_frames - first)
            index = np.arange(first, first + count, dtype=np.float64)
            jitter = self._rng.normal(0.0, faults.timing_jitter_s, count)
            times = self.start_utc + np.clip(index / self.fps + jitter, 0.0, self.duration_s)
            angles = (self.revolutions_at(times) % 1.0) * 360.0
            dropped = self._rng.random(count) < faults.dropped
            dark = self._rng.random(count) < faults.dark
            gains = 1.0 + self._rng.normal(0.0, faults.flicker, count)
            for k in range(count):
                t = float(times[k])
                if dropped[k]:
                    yield DiscFrame(t, None)
                    continue
                gain = 0.05 if dark[k] else float(gains[k])
                image = self._renderer.render(
                    float(angles[k]),
                    gain,
                    glare.at(t - self.start_utc),
                    t - self.start_utc,
                    faults,
                )
                yield DiscFrame(t, image)

    def frame_at(self, t_utc: float) -> np.ndarray:
        """One fault-free crop at t_utc (for the live simulated source of the disc loop)."""
        angle = float(self.revolutions_at(t_utc) % 1.0) * 360.0
        return self._renderer.render(angle, 1.0, None, t_utc - self.start_utc, NO_FAULTS)


class DiscWindowRenderer:
    """Crops of the window at any disc angle, for a live simulated meter (angle from its truth)."""

    def __init__(self, style: DiscWindowStyle | None = None, seed: int = 0) -> None:
        self._renderer = _Renderer(style or DiscWindowStyle(), np.random.default_rng(seed))
        self._faults = DiscFaults(3.0, 0.0, 0.0, (1.0, 1.0), 0.0, 0.0, 0.0, 0.0)

    def render(self, angle_deg: float, seconds: float = 0.0) -> np.ndarray:
        return self._renderer.render(angle_deg, 1.0, None, seconds, self._faults)


class _GlareSchedule:
    """Bursts of glare: (start, end, column, strength) drawn once per sequence."""

    def __init__(self, rng: np.random.Generator, duration_s: int, faults: DiscFaults) -> None:
        n = rng.poisson(faults.glare_bursts_per_hour * duration_s / 3600.0)
        self.starts = np.sort(rng.uniform(0, duration_s, n))
        lo, hi = faults.glare_burst_s
        self.ends = self.starts + rng.uniform(lo, hi, n)
        self.columns = rng.uniform(0.1, 0.9, n)
        self.strengths = rng.uniform(120.0, 255.0, n)

    def at(self, seconds: float) -> tuple[float, float] | None:
        i = int(np.searchsorted(self.starts, seconds, side="right")) - 1
        if i >= 0 and seconds < self.ends[i]:
            return float(self.columns[i]), float(self.strengths[i])
        return None


class _Renderer:
    def __init__(self, style: DiscWindowStyle, rng: np.random.Generator) -> None:
        self.style = style
        w, h = style.width_px, style.height_px
        x = (np.arange(w, dtype=np.float64) + 0.5 - w / 2.0) / (w / 2.0)
        radius = 1.0 / math.sin(math.radians(style.visible_half_arc_deg))
        # Rim angle seen by each column, and degrees of rim per column (for anti-aliasing).
        self.column_deg = np.degrees(np.arcsin(np.clip(x / radius, -1.0, 1.0))) * style.direction
        self.column_width_deg = np.abs(np.gradient(self.column_deg))
        rows = (np.arange(h, dtype=np.float64) + 0.5) / h
        band = (rows >= style.rim_top) & (rows < style.rim_bottom)
        self.rim_rows = band
        # The LED lights the middle of the rim best (reference: 220 in the middle, 90 at edges).
        shading = 0.45 + 0.55 * np.exp(-((x / 0.75) ** 2))
        bgr_rim = np.array([45.0, 2.0, 215.0])
        bgr_slot = np.array([12.0, 1.0, 40.0])
        base = np.empty((h, w, 3), dtype=np.float32)
        base[:] = bgr_slot
        base[band] = (shading[:, None] * bgr_rim)[None, :, :]
        self.base = base
        self.rim = (shading[:, None] * bgr_rim).astype(np.float32)
        # Fine texture of the rim, fixed to the disc (turns with it): 0.5-degree cells.
        self.texture = (1.0 + 0.06 * rng.standard_normal(720)).astype(np.float32)
        self.noise_bank = rng.standard_normal((64, h, w, 3)).astype(np.float32)
        self.rng = rng
        self.x = x

    def render(
        self,
        angle_deg: float,
        gain: float,
        glare: tuple[float, float] | None,
        seconds: float,
        faults: DiscFaults,
    ) -> np.ndarray:
        style = self.style
        # Rim coordinate (degrees on the disc, 0 = mark centre) seen by each column.
        u = (self.column_deg - angle_deg + 180.0) % 360.0 - 180.0
        coverage = np.clip(
            (style.mark_width_deg / 2.0 - np.abs(u)) / self.column_width_deg + 0.5, 0.0, 1.0
        )
        texture = self.texture[((u + 180.0) * 2.0).astype(np.int64) % 720]
        rim = self.rim * texture[:, None]
        if style.mark == "red":
            mark_factor = np.array([0.35, 0.35, 0.95], dtype=np.float32)
        else:
            mark_factor = np.array([0.3, 0.3, 0.3], dtype=np.float32)
        rim = rim * (1.0 - coverage[:, None] * (1.0 - mark_factor))
        image = self.base.copy()
        image[self.rim_rows] = rim[None, :, :]
        image *= gain
        if faults.reflection > 0:
            # A reflection of the room on the glass drifts slowly across the window.
            centre = 0.5 + 0.4 * math.sin(seconds / 1700.0)
            spot = faults.reflection * np.exp(-(((self.x - (2 * centre - 1)) / 0.12) ** 2))
            image += spot[None, :, None].astype(np.float32) * np.float32(0.6)
        if glare is not None:
            column, strength = glare
            blob = strength * np.exp(-(((self.x - (2 * column - 1)) / 0.15) ** 2))
            image += blob[None, :, None].astype(np.float32)
        if faults.noise_sigma > 0:
            image += self.noise_bank[self.rng.integers(64)] * np.float32(faults.noise_sigma)
        np.clip(image, 0.0, 255.0, out=image)
        return image.astype(np.uint8)


@dataclass(frozen=True)
class RevolutionMatch:
    truth: int
    detected: int
    missed: int  # truth revolutions without a detection near them
    extra: int  # detections without a truth revolution (double counts)
    timing_errors_s: np.ndarray  # detected - truth for the matched pairs
    missed_utc: np.ndarray
    extra_utc: np.ndarray


def match_revolutions(truth_utc: np.ndarray, detected_utc: np.ndarray) -> RevolutionMatch:
    """Pair each detection with the nearest unpaired truth revolution within half a period."""
    truth = np.sort(np.asarray(truth_utc, dtype=np.float64))
    detected = np.sort(np.asarray(detected_utc, dtype=np.float64))
    gaps = np.diff(truth)
    # Half the interval to the nearer neighbour: a detection cannot belong to two revolutions.
    before = np.concatenate(([np.inf], gaps))
    after = np.concatenate((gaps, [np.inf]))
    tolerance = np.minimum(np.minimum(before, after) / 2.0, 60.0)
    used = np.zeros(truth.size, dtype=bool)
    errors: list[float] = []
    extra: list[float] = []
    for t in detected:
        i = int(np.searchsorted(truth, t))
        best = None
        for j in (i - 1, i):
            near = 0 <= j < truth.size and not used[j] and abs(truth[j] - t) <= tolerance[j]
            if near and (best is None or abs(truth[j] - t) < abs(truth[best] - t)):
                best = j
        if best is None:
            extra.append(t)
        else:
            used[best] = True
            errors.append(t - truth[best])
    return RevolutionMatch(
        int(truth.size),
        int(detected.size),
        int((~used).sum()),
        len(extra),
        np.array(errors),
        truth[~used],
        np.array(extra),
    )
