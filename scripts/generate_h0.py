"""Write the BDEW household profile table shipped as src/stromzaehler/analytics/h0_profile.csv.

Dev-only (needs pandas and demandlib: `.venv/bin/pip install demandlib`):

    .venv/bin/python scripts/generate_h0.py

The table is demandlib's H25 profile (BDEW 2025 revision of H0) before its day-of-year
dynamisation: mean power in W of a household using 1000 kWh a year, per quarter hour of the
local day (96 rows), per month and day type (WT workday, SA Saturday, FT Sunday/holiday).
stromzaehler.analytics.h0 applies the dynamisation polynomial at run time. The script checks
that this reproduces demandlib's H25 for a whole year before it writes anything.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from demandlib.bdew import H25

OUT = Path(__file__).resolve().parents[1] / "src" / "stromzaehler" / "analytics" / "h0_profile.csv"
DAY_TYPES = ("WT", "SA", "FT")


def main() -> int:
    probe = H25(pd.date_range("2026-01-01", "2026-01-02", freq="15min"))
    raw = probe.raw_profile_data  # kW per GWh/a == W per MWh/a, already power (x4)
    columns = [(month, day_type) for month in range(1, 13) for day_type in DAY_TYPES]
    table = np.zeros((96, len(columns)))
    for index, (month, day_type) in enumerate(columns):
        rows = raw[(raw.month == month) & (raw.weekday == day_type)]
        rows = rows.sort_values(["hour", "minute"])
        table[:, index] = rows.value.to_numpy()
    with OUT.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["quarter"] + [f"{m}_{d}" for m, d in columns])
        for quarter in range(96):
            writer.writerow([quarter] + [f"{v:.4f}" for v in table[quarter]])

    # Check the runtime reconstruction against demandlib for a whole (naive local) year.
    from stromzaehler.analytics.h0 import h0_power_w_local

    index = pd.date_range("2026-01-01 00:00", "2026-12-31 23:45", freq="15min")
    expected = H25(index).to_numpy()
    got = h0_power_w_local(
        month=index.month.to_numpy(),
        weekday=index.day_of_week.to_numpy(),
        day_of_year=index.day_of_year.to_numpy(),
        quarter_of_day=(index.hour * 4 + index.minute // 15).to_numpy(),
    )
    worst = float(np.abs(got - expected).max())
    print(f"wrote {OUT} ({table.shape[0]} quarters x {table.shape[1]} month/day types);"
          f" 2026 energy of the 1000 kWh/a profile: {got.sum() / 4 / 1000:.1f} kWh;"
          f" largest difference to demandlib: {worst:.2e} W")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
