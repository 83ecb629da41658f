"""Compare the simulated household with the BDEW H0 standard load profile (H25 of demandlib).

    .venv/bin/pip install demandlib        # dev only: pulls pandas
    .venv/bin/python scripts/h0_compare.py [--year 2025] [--seed 0] [--annual-kwh 3500]

Simulates one calendar year at 1-s resolution, averages it to quarter hours, and compares the
mean day profile (local time, Europe/Berlin) per BDEW season with H0 scaled to the same energy:
Pearson correlation, RMSE normalised by the mean of the H0 profile, and each season's share of
the energy per day. Also prints both profiles hour by hour.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import numpy as np
import pandas as pd
from demandlib.bdew import H25

from stromzaehler.simulator.household import SECONDS_PER_DAY, HouseholdModel

TIMEZONE = "Europe/Berlin"


def bdew_season(index: pd.DatetimeIndex) -> np.ndarray:
    """BDEW seasons: winter 1 Nov - 20 Mar, summer 15 May - 14 Sep, transition otherwise."""
    md = index.month * 100 + index.day
    winter = (md >= 1101) | (md <= 320)
    summer = (md >= 515) & (md <= 914)
    return np.where(winter, "winter", np.where(summer, "summer", "transition"))


def simulated_quarter_hours(seed: int, annual_kwh: float, year: int) -> pd.Series:
    """Mean power (W) per quarter hour of the calendar year, indexed in local time."""
    model = HouseholdModel(seed=seed, annual_kwh=annual_kwh, timezone=TIMEZONE)
    start = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    values = []
    for day_start in range(start, end, SECONDS_PER_DAY):
        power = model.day(day_start // SECONDS_PER_DAY).power_per_second_w()
        values.append(power.reshape(96, 900).mean(axis=1))
    index = pd.date_range(dt.datetime(year, 1, 1, tzinfo=dt.UTC), periods=len(values) * 96,
                          freq="15min")
    return pd.Series(np.concatenate(values), index=index.tz_convert(TIMEZONE))


def mean_day(series: pd.Series) -> pd.DataFrame:
    """Mean day profile per season: rows = quarter hour of the local day, columns = season."""
    frame = pd.DataFrame({"w": series.to_numpy(), "season": bdew_season(series.index),
                          "slot": series.index.hour * 4 + series.index.minute // 15})
    return frame.pivot_table(index="slot", columns="season", values="w", aggfunc="mean")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--annual-kwh", type=float, default=3500.0)
    args = parser.parse_args(argv)

    sim = simulated_quarter_hours(args.seed, args.annual_kwh, args.year)
    h0 = H25(sim.index)
    # Same energy: scale H0 (given per 1,000,000 kWh/a) to the simulated year's energy.
    h0 = pd.Series(h0.to_numpy(dtype=float), index=sim.index)
    h0 *= sim.sum() / h0.sum()
    sim_kwh = sim.sum() * 0.25 / 1000
    print(f"simulated year {args.year}, seed {args.seed}: {sim_kwh:.1f} kWh "
          f"(configured {args.annual_kwh:.0f}, {sim_kwh / args.annual_kwh - 1:+.2%})\n")

    sim_day, h0_day = mean_day(sim), mean_day(h0)
    print("| season | correlation | NRMSE | mean W sim | mean W H0 | peak hour sim "
          "| peak hour H0 |")
    print("|---|---|---|---|---|---|---|")
    for season in ("winter", "transition", "summer"):
        a, b = sim_day[season].to_numpy(), h0_day[season].to_numpy()
        r = float(np.corrcoef(a, b)[0, 1])
        nrmse = float(np.sqrt(np.mean((a - b) ** 2)) / b.mean())
        print(f"| {season} | {r:.3f} | {nrmse:.1%} | {a.mean():.0f} | {b.mean():.0f} | "
              f"{np.argmax(a) / 4:.2f} | {np.argmax(b) / 4:.2f} |")
    print("\nhourly mean day (W), sim / H0:")
    for season in ("winter", "transition", "summer"):
        a = sim_day[season].to_numpy().reshape(24, 4).mean(axis=1)
        b = h0_day[season].to_numpy().reshape(24, 4).mean(axis=1)
        print(f"{season:>10}: " + " ".join(f"{x:.0f}/{y:.0f}" for x, y in zip(a, b, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
