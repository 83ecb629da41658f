"""The simulated meter: household load -> meter mechanics -> camera frames, with ground truth."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..config import MeterGeometry
from .faults import FaultRates, bump_offset, glare_on_digit, occlude
from .household import SECONDS_PER_DAY, HouseholdModel
from .meter import CarryMode, MeterMechanics
from .render import CameraState, Renderer, RenderOptions


@dataclass(frozen=True)
class MeterTruth:
    """What the meter shows at `t_utc`, exactly."""

    t_utc: float
    counter_wh: int                       # integer Wh register, wraps at rollover
    energy_wh: float                      # registered energy (start_wh + consumed), unwrapped
    power_w: float
    disc_revolutions: float               # since start_utc
    disc_angle_deg: float                 # 0 = mark in the middle of the disc window
    roller_positions: tuple[float, ...]   # left to right, each in [0, 10)
    reading: str                          # the whole digits as shown, e.g. "0995160"
    display_wh: int                       # `reading` in Wh
    faults: tuple[str, ...] = ()          # faults injected into the frame of this instant


class SimulatedMeter:
    """A household behind a Ferraris meter in front of a Pi camera.

    `truth_at` is a pure function of (seed, start, t). `frame_at` is too, except for the
    faults `frozen` (repeats the previous frame) and `bump` (shifts all later frames).
    """

    def __init__(self, seed: int = 0, start_utc: float | None = None,
                 annual_kwh: float = 3500.0, start_wh: int = 99_516_000,
                 options: RenderOptions | None = None, faults: FaultRates | None = None,
                 carry: CarryMode = "geared", revolutions_per_kwh: float = 75.0,
                 timezone: str = "Europe/Berlin") -> None:
        self.seed = int(seed)
        self.start_utc = float(time.time() if start_utc is None else start_utc)
        self.start_wh = int(start_wh)
        self.options = options or RenderOptions()
        self.faults = faults or FaultRates()
        self.household = HouseholdModel(seed=seed, annual_kwh=annual_kwh, timezone=timezone)
        self.mechanics = MeterMechanics(self.options.n_rollers, self.options.decimals, carry,
                                        revolutions_per_kwh)
        self._renderer: Renderer | None = None   # built on the first frame only
        self._start_energy_wh = self.household.energy_wh(self.start_utc)
        self._last_image: np.ndarray | None = None
        # Where the disc's mark stands at a given counter value is up to the meter's assembly.
        self.disc_phase_deg = float(np.random.default_rng([self.seed, 0xD15C]).uniform(0, 360))
        spread = self.options.roller_rest_offset_px
        offsets = np.clip(
            np.random.default_rng([self.seed, 0x5AC4]).normal(0.0, spread, self.options.n_rollers),
            -2.5 * spread, 2.5 * spread)
        # The last roller turns all the time: an offset there would be a shift of its reading,
        # and its position in the truth is what a reader must report.
        offsets[-1] = 0.0
        self.rest_offsets_px = tuple(float(v) for v in offsets)
        self._bump = (0.0, 0.0, 0.0)

    @property
    def geometry(self) -> MeterGeometry:
        return MeterGeometry(digit_boxes=self.options.boxes(), decimals=self.options.decimals,
                             disc_window=self.options.disc_window,
                             revolutions_per_kwh=self.mechanics.revolutions_per_kwh)

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.options)
        return self._renderer

    # -- truth ------------------------------------------------------------------------------
    def consumed_wh(self, t_utc: float) -> float:
        """Energy consumed between start_utc and t_utc (negative before the start)."""
        return self.household.energy_wh(t_utc) - self._start_energy_wh

    def consumed_wh_array(self, times_utc: np.ndarray) -> np.ndarray:
        """`consumed_wh` for many instants at once (one pass per day touched)."""
        times = np.asarray(times_utc, dtype=np.float64)
        out = np.empty_like(times)
        days = np.floor(times / SECONDS_PER_DAY).astype(np.int64)
        for day_index in np.unique(days):
            sel = days == day_index
            day_start = float(day_index) * SECONDS_PER_DAY
            before = self.household.energy_wh(day_start)
            within = self.household.day(int(day_index)).energy_until_wh(times[sel] - day_start)
            out[sel] = before + within - self._start_energy_wh
        return out

    def truth_at(self, t_utc: float, faults: tuple[str, ...] = ()) -> MeterTruth:
        consumed = self.consumed_wh(t_utc)
        energy = self.start_wh + consumed
        mech = self.mechanics
        return MeterTruth(
            t_utc=float(t_utc),
            counter_wh=mech.counter_wh(energy),
            energy_wh=energy,
            power_w=self.household.power_w(t_utc),
            disc_revolutions=mech.disc_revolutions(consumed),
            disc_angle_deg=(mech.disc_angle_deg(energy) + self.disc_phase_deg) % 360.0,
            roller_positions=mech.roller_positions(energy),
            reading=mech.reading(energy),
            display_wh=mech.display_wh(energy),
            faults=faults,
        )

    # -- frames -----------------------------------------------------------------------------
    def frame_at(self, t_utc: float) -> tuple[np.ndarray, MeterTruth]:
        """A BGR uint8 480x640 camera frame at `t_utc` and the truth of that instant."""
        rng = np.random.default_rng([self.seed, 0xF8A3E, round(t_utc * 1000) % 2**63])
        faults = self.faults.sample(rng)
        if "frozen" in faults and self._last_image is not None:
            return self._last_image.copy(), self.truth_at(t_utc, ("frozen",))
        faults = tuple(f for f in faults if f != "frozen")
        if "bump" in faults:
            dx, dy, rot = bump_offset(rng)
            self._bump = (self._bump[0] + dx, self._bump[1] + dy, self._bump[2] + rot)
        truth = self.truth_at(t_utc, faults)
        renderer = self.renderer
        albedo = renderer.albedo(truth.roller_positions, truth.disc_angle_deg,
                                 self.rest_offsets_px)
        if "occlusion" in faults:
            occlude(albedo, renderer.boxes, rng)
        image = renderer.expose(albedo, self._camera_state(t_utc, faults, rng), rng,
                                [glare_on_digit(renderer.boxes, rng)] if "glare" in faults else [])
        self._last_image = image
        return image.copy(), truth

    def _camera_state(self, t_utc: float, faults: tuple[str, ...],
                      rng: np.random.Generator) -> CameraState:
        o = self.options
        drift_phase = (self.seed % 97) * 0.37
        gain = 1.0 + o.exposure_drift * (0.8 * math.sin(2 * math.pi * t_utc / 10_800 + drift_phase)
                                         + 0.2 * rng.standard_normal())
        if "dark" in faults:
            gain *= rng.uniform(0.03, 0.10)
        extra_blur = rng.uniform(5.0, 9.0) if "blur" in faults else 0.0
        return CameraState(
            shift_px=(self._bump[0] + rng.normal(0, o.jitter_shift_px),
                      self._bump[1] + rng.normal(0, o.jitter_shift_px)),
            rotation_deg=self._bump[2] + rng.normal(0, o.jitter_rotation_deg),
            scale=1.0 + rng.normal(0, o.jitter_scale),
            exposure_gain=gain,
            extra_blur_sigma_px=extra_blur,
        )
