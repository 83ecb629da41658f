"""The kWp x battery grid: every cell dispatched side by side at 15 min, a week at a time.

All cells share the orientation, so the PV of a cell is its kWp times the PV of 1 kWp; the
cells are the columns of one dispatch (battery.dispatch), and a week of steps at a time keeps
the memory small (a week x 240 cells x 8 bytes is about 1.3 MB per array).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .battery import DEFAULT_C_RATE, dispatch
from .economics import Prices, investment_eur, payback_years, savings_eur

DEFAULT_KWP = tuple(float(k) for k in range(1, 16))
DEFAULT_BATTERY_KWH = tuple(float(b) for b in range(0, 16))
BLOCK_STEPS = 7 * 96
MAX_CELLS = 1000  # a week-block then stays under about 100 MB on the Pi


def parse_values(text: str, name: str) -> tuple[float, ...]:
    """'1-15' (whole steps), '0-15:2.5' (step) or '3,5,8' -> values; ValueError for nonsense."""
    try:
        if "-" in text.strip()[1:]:
            span, _, step_text = text.partition(":")
            lo_text, hi_text = span.split("-", 1)
            lo, hi, step = float(lo_text), float(hi_text), float(step_text or 1)
            if step <= 0 or hi < lo:
                raise ValueError
            values = tuple(float(v) for v in np.arange(lo, hi + step / 2, step))
        else:
            values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{name}: '{text}' is not a list (3,5,8) or a range (1-15 or 0-15:2.5)"
                         ) from None
    if not values or min(values) < 0 or len(values) > 200:
        raise ValueError(f"{name}: between 1 and 200 values of 0 or more are needed")
    return values


def sweep(pv_per_kwp_kwh: np.ndarray, load_kwh: np.ndarray, step_s: int,
          kwp: Sequence[float], battery_kwh: Sequence[float], round_trip: float,
          feed_in_cap_pct: float, prices: Prices,
          progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Autarky, self-consumption, savings and payback per cell (rows = kWp)."""
    kwp_a = np.asarray(kwp, dtype=np.float64)
    bat_a = np.asarray(battery_kwh, dtype=np.float64)
    if kwp_a.size * bat_a.size > MAX_CELLS:
        raise ValueError(f"at most {MAX_CELLS} cells")
    cell_kwp = np.repeat(kwp_a, bat_a.size)
    cell_bat = np.tile(bat_a, kwp_a.size)
    export = np.where(feed_in_cap_pct >= 100, np.inf, cell_kwp * feed_in_cap_pct / 100)
    totals = {k: np.zeros(cell_kwp.size) for k in ("direct", "charge", "discharge", "feed_in")}
    soc = np.zeros(cell_kwp.size)
    steps = load_kwh.size
    step_h = step_s / 3600.0
    for start in range(0, steps, BLOCK_STEPS):
        stop = min(start + BLOCK_STEPS, steps)
        pv = pv_per_kwp_kwh[start:stop, None] * cell_kwp[None, :]
        flows = dispatch(pv, load_kwh[start:stop], step_h, cell_bat, DEFAULT_C_RATE * cell_bat,
                         round_trip, export, soc)
        soc = flows.soc[-1].copy()
        for key, total in totals.items():
            total += getattr(flows, key).sum(axis=0)
        if progress is not None:
            progress(stop / steps)
    load_total = float(load_kwh.sum())
    pv_total = float(pv_per_kwp_kwh.sum()) * cell_kwp
    self_used = totals["direct"] + totals["discharge"]
    with np.errstate(invalid="ignore", divide="ignore"):
        self_consumption = np.where(pv_total > 0,
                                    (totals["direct"] + totals["charge"]) / pv_total, 0.0)
    autarky_cells = self_used / load_total if load_total > 0 else np.zeros_like(self_used)
    savings = [savings_eur(u, f, prices) for u, f in zip(self_used, totals["feed_in"],
                                                          strict=True)]
    payback = [payback_years(investment_eur(k, b, prices), u, f, prices)
               for k, b, u, f in zip(cell_kwp, cell_bat, self_used, totals["feed_in"],
                                     strict=True)]
    shape = (kwp_a.size, bat_a.size)

    def rows(values: Sequence[Any], digits: int) -> list[list[Any]]:
        grid = np.array(values, dtype=object).reshape(shape)
        return [[None if v is None else round(float(v), digits) for v in row] for row in grid]

    return {
        "kwp": [float(k) for k in kwp_a], "battery_kwh": [float(b) for b in bat_a],
        "autarky": rows(list(autarky_cells), 4),
        "self_consumption": rows(list(self_consumption), 4),
        "savings_eur": rows(savings, 2), "payback_years": rows(payback, 2),
    }
