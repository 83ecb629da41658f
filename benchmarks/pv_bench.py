"""Benchmark: the PV planner on a simulated household year (3,500 kWh, 2026, near Kassel).

    /usr/bin/time -v .venv/bin/python benchmarks/pv_bench.py --phase grid   [--data DIR]
    /usr/bin/time -v .venv/bin/python benchmarks/pv_bench.py --phase minute [--data DIR]
    .venv/bin/python benchmarks/pv_bench.py --phase figures [--data DIR]

Without --data it simulates the year first (`stromzaehler simulate --readings-only`, a reading
a minute; about 20 s) into a temporary folder; pass --data to reuse one. Phases:
  grid     the 15-min sweep of 15 x 16 = 240 cells (kWp 1-15 x battery 0-15 kWh) as the API
           runs it (load year from the store + PV + sweep), wall time printed;
  minute   the chosen system (5 kWp south 35°, 5 kWh) at 1 min plus its hourly comparison;
  figures  yield and autarky without and with 5 kWh, and the autarky at 1 min, 15 min and
           60 min with the simulator's minute readings as the minute load (the simulator's
           counter is ideal, 1 Wh, so its minutes are real; the planner itself takes minutes
           only from the disc), to show what hourly data overstate.
Peak memory: the "Maximum resident set size" of /usr/bin/time -v (one phase per process).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics.aggregate import consumption
from stromzaehler.analytics.pv.compute import DataSource, run_grid, run_plan
from stromzaehler.analytics.pv.economics import Prices
from stromzaehler.analytics.pv.load import load_from_store
from stromzaehler.analytics.pv.planner import System, plan
from stromzaehler.analytics.pv.request import PvRequest, system
from stromzaehler.analytics.pv.weather import region_of, try_weather
from stromzaehler.analytics.series import CounterModel
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

ZONE = ZoneInfo("Europe/Berlin")
START = "2025-12-31T23:00:00+00:00"
TO = "2027-01-01T00:00:00+01:00"
TO_UTC = 1798758000
KASSEL = {"lat": 51.31, "lon": 9.49}


def simulate(folder: Path) -> None:
    subprocess.run([sys.executable, "-m", "stromzaehler", "simulate", "--readings-only",
                    "--quiet", "--data", str(folder), "--start", START, "--days", "365",
                    "--interval", "60", "--annual-kwh", "3500", "--seed", "7"], check=True)


def minute_figures(folder: Path) -> None:
    """Autarky of one system at 1, 15 and 60 min with the simulator's real minutes."""
    counters = CounterStore(Store.open(folder))
    model = CounterModel.for_meter(7, 1, 1800)
    year = load_from_store(counters, model, ZONE, TO_UTC, minutes=False)
    minutes = np.zeros(year.quarter_kwh.size * 15)
    for index, start in enumerate(range(year.start_utc, TO_UTC, 7 * 86400)):
        buckets = consumption(counters, "minute", start, min(start + 7 * 86400, TO_UTC), ZONE,
                              model, use_quarters=False)
        lo = index * 7 * 1440
        minutes[lo:lo + buckets.energy_wh.size] = buckets.energy_wh / 1000.0
    year.minute_kwh = minutes
    weather = try_weather(region_of(KASSEL["lat"], KASSEL["lon"]))
    request = PvRequest(kwp=5, battery_kwh=5)
    for battery in (0.0, 5.0):
        chosen: System = system(request, battery_kwh=battery)
        line = [f"5 kWp south 35°, {battery:g} kWh"]
        for resolution in ("1min", "15min", "60min"):
            result = plan(chosen, year, weather, Prices(), resolution, ZONE)
            line.append(f"autarky {resolution} {result.year['autarky']:.4f}")
        print(", ".join(line) + f"; yield {result.year['pv_kwh'] / 5:.0f} kWh/kWp, "
              f"load {result.year['load_kwh']:.0f} kWh")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("grid", "minute", "figures"), required=True)
    parser.add_argument("--data", type=Path, help="a simulated year (made when left out)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.data or Path(scratch) / "data"
        if args.data is None or not (folder / "stromzaehler.sqlite3").exists():
            simulate(folder)
        source = DataSource(str(folder))
        if args.phase == "figures":
            minute_figures(folder)
            return 0
        began = time.perf_counter()
        if args.phase == "grid":
            grid = run_grid(source, PvRequest(to=TO, **KASSEL))
            cells = len(grid["kwp"]) * len(grid["battery_kwh"])
            print(f"grid: {cells} cells at 15 min in {time.perf_counter() - began:.2f} s")
        else:
            result = run_plan(source, PvRequest(kwp=5, battery_kwh=5, to=TO,
                                                resolution="1min", **KASSEL))
            print(f"chosen system at 1 min (+ hourly comparison) in "
                  f"{time.perf_counter() - began:.2f} s; autarky {result['year']['autarky']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
