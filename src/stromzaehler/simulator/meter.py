"""Ferraris meter mechanics: roller counter with geared or abrupt carry, and the disc.

The mechanics are driven by the meter's registered energy as a float (Wh since the counter last
showed all zeros). Everything a camera could see follows from that one number: the position of
every roller and the angle of the disc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..geometry import check_rollers, modulus_wh, wh_per_step

CarryMode = Literal["geared", "abrupt"]


@dataclass(frozen=True)
class MeterMechanics:
    """A roller counter with `n_rollers` rollers, `decimals` of them right of the decimal point."""

    n_rollers: int = 7
    decimals: int = 1
    carry: CarryMode = "geared"
    revolutions_per_kwh: float = 75.0

    def __post_init__(self) -> None:
        if not 1 <= self.n_rollers <= 10:
            raise ValueError(f"n_rollers must be 1..10, got {self.n_rollers}")
        check_rollers(self.n_rollers, self.decimals)
        if self.carry not in ("geared", "abrupt"):
            raise ValueError(f"carry must be 'geared' or 'abrupt', got {self.carry!r}")
        if self.revolutions_per_kwh <= 0:
            raise ValueError("revolutions_per_kwh must be positive")

    @property
    def step_wh(self) -> int:
        """Energy of one step of the last roller (100 Wh for one decimal)."""
        return wh_per_step(self.decimals)

    @property
    def rollover_wh(self) -> int:
        """Registered energy at which the counter shows all zeros again."""
        return modulus_wh(self.n_rollers, self.decimals)

    def counter_wh(self, energy_wh: float) -> int:
        """Integer Wh register of the meter (floor of the energy, modulo rollover)."""
        return math.floor(energy_wh) % self.rollover_wh

    def display_wh(self, energy_wh: float) -> int:
        """The value the digits show (each roller's whole digit), in Wh."""
        counter = self.counter_wh(energy_wh)
        return counter - counter % self.step_wh

    def reading(self, energy_wh: float) -> str:
        """The digit string as shown, e.g. '0995160'."""
        steps = self.display_wh(energy_wh) // self.step_wh
        return str(steps).zfill(self.n_rollers)

    def roller_positions(self, energy_wh: float) -> tuple[float, ...]:
        """Exact position in [0, 10) of each roller, left (most significant) to right.

        Geared carry: the last roller turns continuously, and each higher roller turns by one
        digit while the roller below it goes from 9 to 10 (its last tenth).
        """
        steps = (energy_wh % self.rollover_wh) / self.step_wh
        positions = roller_positions_array(np.array([steps]), self.n_rollers, self.carry)
        return tuple(float(p) for p in positions[0])

    def disc_revolutions(self, energy_wh: float) -> float:
        """Disc revolutions for `energy_wh` of registered energy."""
        return energy_wh / 1000.0 * self.revolutions_per_kwh

    def disc_angle_deg(self, energy_wh: float) -> float:
        """Angle of the disc's mark in [0, 360); 0 = mark in the middle of the window."""
        revolutions = self.disc_revolutions(energy_wh % self.rollover_wh)
        return (revolutions % 1.0) * 360.0


def roller_positions_array(steps: np.ndarray, n_rollers: int, carry: CarryMode) -> np.ndarray:
    """Vectorised roller positions: `steps` (last-roller steps, float) -> (len, n_rollers).

    Column 0 is the most significant roller.
    """
    steps = np.asarray(steps, dtype=np.float64) % (10.0**n_rollers)
    out = np.empty((steps.shape[0], n_rollers), dtype=np.float64)
    lower = steps % 10.0
    out[:, n_rollers - 1] = lower
    for k in range(1, n_rollers):
        whole = np.floor(steps / 10.0**k) % 10.0
        pos = whole + np.clip(lower - 9.0, 0.0, 1.0) if carry == "geared" else whole
        out[:, n_rollers - 1 - k] = pos
        lower = pos
    # Float rounding can land on exactly 10.0; the roller is then at 0.
    return np.where(out >= 10.0, out - 10.0, out)
