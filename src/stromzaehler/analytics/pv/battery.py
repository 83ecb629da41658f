"""Greedy self-consumption dispatch of PV, battery and grid, step by step.

Per step: PV covers the load first (direct use); the surplus charges the battery (never the
grid), limited by its power and free capacity; the deficit is taken from the battery, limited
by its power and charge, then from the grid. What is left of the surplus is fed in up to the
feed-in limit at the grid connection; the rest is curtailed. Round-trip losses are split evenly
between charging and discharging.

With those rules the state of charge is a clipped running sum,
soc[t+1] = clip(soc[t] + x[t], 0, capacity) with x = eta_c * min(surplus, P dt) when there is a
surplus and -min(deficit, P dt) / eta_d otherwise, so the only sequential step is that clip;
everything else is vectorised. Many systems (a sweep) run side by side in the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_ROUND_TRIP = 0.90  # AC to AC; an assumption near datasheet values of home storage
DEFAULT_C_RATE = 0.5  # charge/discharge power per kWh of capacity when none is given


@dataclass(frozen=True)
class Battery:
    capacity_kwh: float = 0.0  # usable
    power_kw: float | None = None  # None: DEFAULT_C_RATE x capacity
    round_trip: float = DEFAULT_ROUND_TRIP

    def __post_init__(self) -> None:
        if not self.capacity_kwh >= 0:
            raise ValueError(f"battery capacity must be 0 or more, not {self.capacity_kwh}")
        if self.power_kw is not None and not self.power_kw >= 0:
            raise ValueError(f"battery power must be 0 or more, not {self.power_kw}")
        if not 0 < self.round_trip <= 1:
            raise ValueError(f"round-trip efficiency must lie in (0, 1], not {self.round_trip}")

    @property
    def limit_kw(self) -> float:
        return DEFAULT_C_RATE * self.capacity_kwh if self.power_kw is None else self.power_kw


@dataclass
class Flows:
    """Energy per step in kWh, shape (steps, systems); soc is the charge after each step."""

    direct: np.ndarray
    charge: np.ndarray
    discharge: np.ndarray
    feed_in: np.ndarray
    curtailed: np.ndarray
    grid_import: np.ndarray
    soc: np.ndarray


def clipped_running_sum(x: np.ndarray, capacity: np.ndarray, start: np.ndarray) -> np.ndarray:
    """soc after each step (steps, systems): soc = clip(soc + x[t], 0, capacity)."""
    steps, systems = x.shape
    out = np.empty_like(x)
    if systems == 1:  # plain floats: several times faster than one-element arrays
        cap, soc = float(capacity[0]), float(start[0])
        column = out[:, 0]
        values = x[:, 0].tolist()
        result = []
        for value in values:
            soc += value
            soc = 0.0 if soc < 0.0 else (cap if soc > cap else soc)
            result.append(soc)
        column[:] = result
        return out
    previous = np.array(start, dtype=np.float64)
    capacity = np.asarray(capacity, dtype=np.float64)
    for t in range(steps):  # three ufuncs into the output row: np.clip costs more per call
        row = out[t]
        np.add(previous, x[t], out=row)
        np.maximum(row, 0.0, out=row)
        np.minimum(row, capacity, out=row)
        previous = row
    return out


def dispatch(pv_kwh: np.ndarray, load_kwh: np.ndarray, step_h: float,
             capacity_kwh: np.ndarray, power_kw: np.ndarray, round_trip: float,
             export_limit_kw: np.ndarray, start_soc: np.ndarray | None = None) -> Flows:
    """Flows of systems side by side: pv_kwh (steps, systems), load_kwh (steps,); capacity,
    power and export limit per system (inf = no export limit)."""
    pv = np.asarray(pv_kwh, dtype=np.float64)
    if pv.ndim == 1:
        pv = pv[:, None]
    load = np.asarray(load_kwh, dtype=np.float64)[:, None]
    capacity = np.asarray(capacity_kwh, dtype=np.float64).reshape(-1)
    power = np.asarray(power_kw, dtype=np.float64).reshape(-1)
    eta = np.sqrt(round_trip)
    direct = np.minimum(pv, load)
    surplus = pv - direct
    deficit = load - direct
    step_limit = power * step_h
    x = np.where(surplus > 0, eta * np.minimum(surplus, step_limit),
                 -np.minimum(deficit, step_limit) / eta)
    start = np.zeros(capacity.size) if start_soc is None else np.asarray(start_soc, float)
    soc = clipped_running_sum(x, capacity, start)
    before = np.vstack((start[None, :], soc[:-1]))
    change = soc - before
    charge = np.maximum(change, 0.0) / eta
    discharge = np.maximum(-change, 0.0) * eta
    left = surplus - charge
    export_cap = np.asarray(export_limit_kw, dtype=np.float64).reshape(-1) * step_h
    feed_in = np.minimum(left, export_cap)
    return Flows(direct=direct, charge=charge, discharge=discharge, feed_in=feed_in,
                 curtailed=left - feed_in, grid_import=deficit - discharge, soc=soc)
