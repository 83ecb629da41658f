"""A small recorded household for the PV planner's tests: 60 days of minute readings (100 Wh
roller steps), a missing day, and two days where the disc's revolutions shape the minutes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stromzaehler.store import Store
from stromzaehler.store.revolutions import RevolutionStore

START = 1775253600  # 2026-04-04 00:00 in Berlin (summer time)
DAYS = 60
GAP_DAY = 20
DISC_DAYS = (40, 41)
REVOLUTIONS_PER_KWH = 75.0
END = START + DAYS * 86400


def power_w(t_utc: np.ndarray) -> np.ndarray:
    """Base load, a morning and an evening peak, and a 2 kW kettle for 3 min every hour."""
    hour = ((t_utc - START) % 86400) / 3600.0
    kettle = np.where((t_utc // 60) % 60 < 3, 2000.0, 0.0)
    return (250 + 900 * np.exp(-((hour - 19.5) / 1.5) ** 2)
            + 500 * np.exp(-((hour - 7.0) / 1.0) ** 2) + kettle)


def fill(data_dir: Path) -> Store:
    store = Store.open(data_dir)
    t = np.arange(START, END, 60, dtype=np.int64)
    energy_wh = np.cumsum(power_w(t) / 60.0)
    counter = 99_516_000 + (energy_wh // 100 * 100).astype(np.int64)
    keep = ~((t >= START + GAP_DAY * 86400) & (t < START + (GAP_DAY + 1) * 86400))
    store.add_readings_bulk([(int(a), int(b), 1.0, "simulated")
                             for a, b in zip(t[keep], counter[keep], strict=True)])
    fine = np.arange(START + DISC_DAYS[0] * 86400, START + (DISC_DAYS[-1] + 1) * 86400, 1.0)
    revolutions = np.cumsum(power_w(fine.astype(np.int64)) / 3.6e6 * REVOLUTIONS_PER_KWH)
    turns = np.flatnonzero(np.diff(np.floor(revolutions)) > 0) + 1
    RevolutionStore(store).add((float(fine[i]), True, "test") for i in turns)
    return store
