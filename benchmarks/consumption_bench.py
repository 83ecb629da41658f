"""Benchmark: consumption queries on a year of minute readings (525,600 rows).

    .venv/bin/python benchmarks/consumption_bench.py [--source own|simulator] [--data DIR]

Fills a fresh database with a year of minute readings of 2026, either generated here (seeded
household-like load, counter shown in 100 Wh steps like rollers with one decimal) or from the
simulator (stromzaehler.simulator, ideal 1 Wh readings as `simulate --readings-only` writes
them), builds the quarter-hour pre-aggregate, then times, side by side:
  pre-aggregate   analytics.aggregate.consumption (what the API uses)
  naive readings  the same buckets computed from all readings of the range
  naive GROUP BY  SQL max-min per local bucket (the common shortcut; also wrong at boundaries)
and the peak memory allocated during one query (tracemalloc). Finally it compares the daily
buckets and the year total with the true energy of the generated year.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from stromzaehler.analytics.aggregate import consumption, profile
from stromzaehler.analytics.consumption import MEASURED
from stromzaehler.analytics.series import CounterModel, counter_modulus_wh
from stromzaehler.analytics.upkeep import refresh
from stromzaehler.store import Store
from stromzaehler.store.counters import CounterStore

ZONE = ZoneInfo("Europe/Berlin")
YEAR_START_UTC = 1767222000  # 2026-01-01T00:00+01:00
YEAR_END_UTC = 1798758000  # 2027-01-01T00:00+01:00
MODULUS_WH = counter_modulus_wh(7, 1)
MODEL = CounterModel.for_meter(7, 1, 1800)  # 7 rollers, one decimal: 100 Wh steps


def own_year(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_utc, counter_wh, true energy_wh) once a minute for 2026, about 2800 kWh."""
    rng = np.random.default_rng(seed)
    t_utc = np.arange(YEAR_START_UTC, YEAR_END_UTC, 60, dtype=np.int64)
    hour = (t_utc // 3600 + 1) % 24
    daily = 250 + 300 * np.exp(-((hour - 19) ** 2) / 6) + 150 * np.exp(-((hour - 7) ** 2) / 2)
    seasonal = 1 + 0.25 * np.cos(2 * np.pi * (t_utc - YEAR_START_UTC) / (365 * 86400))
    power_w = daily * seasonal * rng.gamma(2.0, 0.5, t_utc.size)
    energy_wh = 99_516_000 + np.cumsum(power_w / 60)
    counter_wh = (energy_wh // 100 * 100).astype(np.int64) % MODULUS_WH
    return t_utc, counter_wh, energy_wh


def simulator_year() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from stromzaehler.simulator.run import build_meter, reading_rows

    meter = build_meter(0, YEAR_START_UTC, 3500.0, 99_516_000)
    rows = [row for chunk in reading_rows(meter, 365, 60) for row in chunk]
    t_utc = np.array([row[0] for row in rows], dtype=np.int64)
    counter_wh = np.array([row[1] for row in rows], dtype=np.int64)
    energy_wh = meter.start_wh + meter.consumed_wh_array(t_utc.astype(np.float64))
    return t_utc, counter_wh, energy_wh


def _timed(function, repeat: int) -> tuple[float, float]:
    """(best wall time in ms, peak traced allocation in MiB of one extra run)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best * 1000, peak / 2**20


def naive_group_by(store: Store, from_utc: int, to_utc: int, bucket_s: int) -> list[tuple]:
    # Fixed +1 h offset: the shortcut ignores DST; it is here only as a speed reference.
    return store.connection.execute(
        "SELECT (t_utc + 3600) / ? AS bucket, max(counter_wh) - min(counter_wh) FROM readings"
        " WHERE t_utc >= ? AND t_utc < ? GROUP BY bucket",
        (bucket_s, from_utc, to_utc),
    ).fetchall()


def _cell(measured: tuple[float, float]) -> str:
    return f"{measured[0]:.1f} ms {measured[1]:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, help="directory for the database (default: temp)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", choices=("own", "simulator"), default="own")
    args = parser.parse_args()
    data_dir = args.data or Path(tempfile.mkdtemp(prefix="consumption-bench-"))
    store = Store.open(data_dir)
    counters = CounterStore(store)
    truth = None
    if store.count_readings() == 0:
        t_utc, counter_wh, energy_wh = own_year() if args.source == "own" else simulator_year()
        truth = (t_utc, energy_wh)
        started = time.perf_counter()
        pairs = zip(t_utc.tolist(), counter_wh.tolist(), strict=True)
        store.add_readings_bulk((t, c, 1.0, "simulated") for t, c in pairs)
        print(f"insert {t_utc.size} readings ({args.source}, with triggers): "
              f"{time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    steps = refresh(counters, MODEL)
    print(f"build quarter-hour pre-aggregate: {time.perf_counter() - started:.2f} s "
          f"({steps} steps)")

    day_from, day_to = YEAR_START_UTC + 180 * 86400, YEAR_START_UTC + 181 * 86400
    cases = [
        ("year @ day", "day", YEAR_START_UTC, YEAR_END_UTC, 86400),
        ("year @ hour", "hour", YEAR_START_UTC, YEAR_END_UTC, 3600),
        ("year @ 15min", "15min", YEAR_START_UTC, YEAR_END_UTC, 900),
        ("year @ month", "month", YEAR_START_UTC, YEAR_END_UTC, None),
        ("one day @ minute", "minute", day_from, day_to, 60),
    ]
    print(f"{'query':<18} {'pre-aggregate':>22} {'naive readings':>22} {'naive GROUP BY':>22}")
    for label, resolution, from_utc, to_utc, bucket_s in cases:
        fast = _timed(
            lambda r=resolution, a=from_utc, b=to_utc: consumption(
                counters, r, a, b, ZONE, MODEL
            ),
            args.repeat,
        )
        naive = _timed(
            lambda r=resolution, a=from_utc, b=to_utc: consumption(
                counters, r, a, b, ZONE, MODEL, use_quarters=False
            ),
            max(1, args.repeat // 2),
        )
        group_text = "-"
        if bucket_s is not None:
            group = _timed(
                lambda a=from_utc, b=to_utc, s=bucket_s: naive_group_by(store, a, b, s),
                max(1, args.repeat // 2),
            )
            group_text = _cell(group)
        print(f"{label:<18} {_cell(fast):>22} {_cell(naive):>22} {group_text:>22}")
    print("(cells: best time, peak memory traced during one query)")
    year_profile = _timed(
        lambda: profile(counters, YEAR_START_UTC, YEAR_END_UTC, ZONE, MODEL), args.repeat
    )
    print(f"profile of the year: {_cell(year_profile)}")
    days = consumption(counters, "day", YEAR_START_UTC, YEAR_END_UTC, ZONE, MODEL)
    print(f"year total {days.total_wh / 1000:.3f} kWh in {len(days.energy_wh)} days")
    if truth is not None:
        true_wh = np.diff(np.interp(days.bounds_utc, *truth))
        measured = days.quality == MEASURED
        error_wh = np.abs(days.energy_wh - true_wh)[measured]
        complete = days.quality != 2
        print(f"vs truth: {measured.sum()} measured days, largest error {error_wh.max():.1f} Wh,"
              f" mean {error_wh.mean():.1f} Wh; total of the complete days differs by "
              f"{(days.energy_wh - true_wh)[complete].sum():.1f} Wh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
