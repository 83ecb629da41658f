"""`stromzaehler simulate`: parse, call one function in run.py, report."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `simulate` subcommand to the main parser's subparsers."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate the household and meter: ground truth, geometry, frames, or readings",
        description=(
            "Simulate a household behind a Ferraris meter. Writes truth.csv (UTC time, counter "
            "Wh, power W, disc revolutions, roller positions), meter.toml (the [meter] geometry "
            "the reader accepts) and, with --images, one frame per interval named by its UTC "
            "time. With --readings-only, writes ideal readings into the database in --data."),
    )
    parser.add_argument("--start", default=None,
                        help="ISO 8601 start time; without offset it is UTC "
                             "(default: today 00:00 UTC)")
    parser.add_argument("--days", type=float, default=1.0, help="simulated days (default 1)")
    parser.add_argument("--interval", type=int, default=60,
                        help="seconds between samples (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--images", action="store_true", help="also render one frame per sample")
    parser.add_argument("--faults", default="",
                        help="fault rates per frame, e.g. "
                             "glare=0.05,blur=0.02,occlusion=0.02,dark=0.01,frozen=0.01,bump=0.001")
    parser.add_argument("--speed", type=float, default=None,
                        help="pace the run: simulated seconds per wall-clock second "
                             "(default: as fast as possible)")
    parser.add_argument("--annual-kwh", type=float, default=3500.0,
                        help="household consumption per year (default 3500)")
    parser.add_argument("--start-wh", type=int, default=99_516_000,
                        help="counter at the start in Wh (default 99516000 = 099516.0 kWh)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder for truth.csv, meter.toml and frames")
    parser.add_argument("--readings-only", action="store_true",
                        help="write ideal readings into the database in --data instead")
    parser.add_argument("--data", type=Path, default=None,
                        help="data folder of the service (with --readings-only)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    parser.set_defaults(func=run_simulate)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def parse_start(text: str | None) -> float:
    """ISO 8601 -> epoch seconds; a time without offset is taken as UTC."""
    if text is None:
        today = dt.datetime.now(dt.UTC).date()
        return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def run_simulate(args: argparse.Namespace) -> int:
    try:
        start_utc = parse_start(args.start)
    except ValueError:
        return _fail(f"--start: {args.start!r} is not an ISO 8601 time (e.g. 2025-01-01T00:00Z)")
    if not args.days > 0:
        return _fail(f"--days: {args.days} must be positive")
    if args.interval < 1:
        return _fail(f"--interval: {args.interval} must be at least 1 second")
    if args.speed is not None and not args.speed > 0:
        return _fail(f"--speed: {args.speed} must be positive")
    if not args.annual_kwh > 0:
        return _fail(f"--annual-kwh: {args.annual_kwh} must be positive")
    if args.start_wh < 0:
        return _fail(f"--start-wh: {args.start_wh} must not be negative")
    # Imported here: the renderer needs OpenCV, which `stromzaehler --help` should not load.
    from ..simulator.faults import FaultRates
    from ..simulator.run import build_meter, simulate_readings, simulate_to_dir
    from ..store import Store

    try:
        faults = FaultRates.parse(args.faults)
    except ValueError as error:
        return _fail(f"--faults: {error}")
    meter = build_meter(args.seed, start_utc, args.annual_kwh, args.start_wh, faults)
    progress = not args.quiet
    if args.readings_only:
        if args.data is None:
            return _fail("--readings-only needs --data DIR")
        store = Store.open(args.data)
        try:
            summary = simulate_readings(meter, store.add_readings_bulk, args.days,
                                        args.interval, progress)
        finally:
            store.close()
        where = args.data
    else:
        if args.out is None:
            return _fail("--out DIR is required (or --readings-only --data DIR)")
        summary = simulate_to_dir(meter, args.out, args.days, args.interval, args.images,
                                  args.speed, progress)
        where = args.out
    print(f"{summary.rows} samples, {summary.images} frames, "
          f"{summary.energy_wh / 1000:.3f} kWh in {summary.seconds:.1f} s -> {where}")
    return 0
