"""Command line of the PV planner: `stromzaehler pv ... [--grid] --json`.

Registered by stromzaehler.cli through register(subparsers). Parses, calls
analytics.pv.compute, prints one JSON object; bad input is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from ..analytics.pv import economics
from ..analytics.pv.request import RESOLUTIONS, InputError, PvRequest


def register(subparsers: argparse._SubParsersAction) -> None:
    from .flags import add_settings_flags

    parser = subparsers.add_parser(
        "pv", help="plan a PV system (+ battery) on the recorded load",
        description="Simulate a PV system with an optional battery on the household's own "
                    "recorded year (gaps filled, less than a year completed) and the DWD test "
                    "reference year of its region. Prints one JSON object.")
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--station", type=int, help="TRY 2010 region 1..15 (7 = Kassel)")
    place.add_argument("--weather", dest="weather_file", help="a PVGIS TMY CSV instead")
    parser.add_argument("--lat", type=float, help="latitude of the house (with --lon)")
    parser.add_argument("--lon", type=float, help="longitude of the house (with --lat)")
    parser.add_argument("--from", dest="from_", help="ignore recordings before (ISO 8601)")
    parser.add_argument("--to", help="end of the planning year (default: now)")
    parser.add_argument("--kwp", type=float, default=5.0, help="peak power (default 5)")
    parser.add_argument("--battery-kwh", type=float, default=0.0, help="usable capacity")
    parser.add_argument("--battery-kw", dest="battery_power_kw", type=float,
                        help="battery power limit (default 0.5 x capacity)")
    parser.add_argument("--tilt", type=float, default=35.0, help="degrees from horizontal")
    parser.add_argument("--azimuth", default="180",
                        help="180 = south, 90 = east; '90,270' splits the kWp east/west")
    parser.add_argument("--feed-in-cap", type=float, default=100.0,
                        help="feed-in limit in %% of kWp (60 = Solarspitzengesetz, 100 = none)")
    parser.add_argument("--price", type=float, default=economics.DEFAULT_PRICE_EUR_KWH,
                        help="EUR/kWh bought")
    parser.add_argument("--feed-in-tariff", type=float,
                        default=economics.DEFAULT_FEED_IN_EUR_KWH, help="EUR/kWh fed in")
    parser.add_argument("--cost-per-kwp", type=float,
                        default=economics.DEFAULT_COST_PER_KWP_EUR, help="EUR per kWp")
    parser.add_argument("--cost-per-kwh", type=float,
                        default=economics.DEFAULT_COST_PER_KWH_EUR, help="EUR per battery kWh")
    parser.add_argument("--price-increase", type=float,
                        default=economics.DEFAULT_PRICE_INCREASE,
                        help="yearly electricity price increase, 0.02 = 2 %%")
    parser.add_argument("--resolution", choices=RESOLUTIONS, default="finest")
    parser.add_argument("--grid", action="store_true",
                        help="the kWp x battery grid at 15 min instead of one system")
    parser.add_argument("--kwp-grid", default="1-15", help="grid rows: 1-15, 0-15:2.5, 3,5,8")
    parser.add_argument("--battery-grid", default="0-15", help="grid columns, as --kwp-grid")
    parser.add_argument("--json", action="store_true", help="JSON output (the only format)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_settings_flags(parser)
    parser.set_defaults(func=run_pv)
    parser.error = _one_line_error  # type: ignore[method-assign]


def _one_line_error(message: str) -> NoReturn:
    """argparse's usage block is not one clear line; `stromzaehler pv --help` has it."""
    print(f"error: {message} (see stromzaehler pv --help)", file=sys.stderr)
    raise SystemExit(2)


def _request(args: argparse.Namespace) -> PvRequest:
    names = PvRequest.__dataclass_fields__
    values: dict[str, Any] = {name: getattr(args, name) for name in names if hasattr(args, name)}
    return PvRequest(**values)


def _progress(quiet: bool) -> Callable[[float], None]:
    """Progress on stderr in tenths (a line each, readable in logs too)."""
    shown = [-1]

    def show(done: float) -> None:
        tenth = int(done * 10)
        if not quiet and tenth > shown[0]:
            shown[0] = tenth
            print(f"pv: {tenth * 10} %", file=sys.stderr, flush=True)
    return show


def run_pv(args: argparse.Namespace) -> int:
    from ..analytics.pv.compute import DataSource, run_grid, run_plan
    from .flags import settings_from_args

    settings = settings_from_args(args)
    source = DataSource(str(settings.storage.data_dir), settings.analytics.timezone,
                        len(settings.meter.digit_boxes), settings.meter.decimals,
                        int(settings.analytics.gap_limit_s),
                        getattr(getattr(settings, "pv", None), "latitude", None),
                        getattr(getattr(settings, "pv", None), "longitude", None))
    try:
        request = _request(args)
        if args.grid:
            result = run_grid(source, request, _progress(args.quiet))
        else:
            result = run_plan(source, request, _progress(args.quiet))
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1))
    return 0
