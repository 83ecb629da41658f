"""Command line for consumption: `export`, `profile` and `counter manual|replace|correct|list`.

Registered by stromzaehler.cli through register(subparsers). Each command parses, calls one
analytics function and prints; bad input is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..analytics import aggregate, events
from ..analytics.export import consumption_csv, consumption_dict
from ..analytics.periods import RESOLUTIONS, RangeError
from ..analytics.query import DEFAULT_SPAN_S, PROFILE_DEFAULT_SPAN_S, QueryContext


def register(subparsers: argparse._SubParsersAction) -> None:
    from .flags import add_settings_flags

    export = subparsers.add_parser(
        "export", help="consumption per period as CSV or JSON",
        description="Consumption per local period (counter at the end minus counter at the "
                    "start), with quality measured | estimated | missing.")
    export.add_argument("--resolution", "-r", default="day", choices=RESOLUTIONS)
    export.add_argument("--from", dest="from_", help="ISO 8601 date/datetime or epoch seconds")
    export.add_argument("--to", help="ISO 8601 date/datetime or epoch seconds (exclusive)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--sep", default=",", help="CSV separator: ',' ';' or 'tab'")
    export.add_argument("--decimal", default=".", help="CSV decimal mark: '.' or ','")
    export.add_argument("--german", action="store_true", help="same as --sep ';' --decimal ','")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    add_settings_flags(export)
    export.set_defaults(func=run_export)

    profile = subparsers.add_parser("profile", help="load profile figures as JSON")
    profile.add_argument("--from", dest="from_", help="ISO 8601 date/datetime or epoch seconds")
    profile.add_argument("--to", help="ISO 8601 date/datetime or epoch seconds (exclusive)")
    add_settings_flags(profile)
    profile.set_defaults(func=run_profile)

    counter = subparsers.add_parser("counter", help="counter events: manual reading, meter "
                                                    "replacement, correction")
    actions = counter.add_subparsers(dest="action", required=True)
    manual = actions.add_parser("manual", help="store a reading typed in by hand")
    manual.add_argument("--time", required=True, help="when it was read (local if no offset)")
    manual.add_argument("--kwh", type=float, required=True, help="the value, e.g. 99516.3")
    manual.add_argument("--force", action="store_true",
                        help="store even if it does not fit the readings around it")
    add_settings_flags(manual)
    manual.set_defaults(func=run_manual)
    replace = actions.add_parser("replace", help="a new meter took over at --time")
    replace.add_argument("--time", required=True)
    replace.add_argument("--old-kwh", type=float, required=True, help="old meter's last value")
    replace.add_argument("--new-kwh", type=float, required=True, help="new meter's first value")
    replace.add_argument("--note")
    replace.add_argument("--force", action="store_true",
                         help="store even if a meter would run backwards")
    add_settings_flags(replace)
    replace.set_defaults(func=run_replace)
    correct = actions.add_parser("correct", help="correct (or void) the reading at --time")
    correct.add_argument("--time", required=True, help="exact time of the stored reading")
    value = correct.add_mutually_exclusive_group(required=True)
    value.add_argument("--kwh", type=float, help="the right value")
    value.add_argument("--void", action="store_true", help="ignore this reading")
    correct.add_argument("--note")
    correct.add_argument("--force", action="store_true",
                         help="store even if the counter would run backwards")
    add_settings_flags(correct)
    correct.set_defaults(func=run_correct)
    listing = actions.add_parser("list", help="meter replacements and corrections as JSON")
    add_settings_flags(listing)
    listing.set_defaults(func=run_list)


class _Setup:
    """Settings, store and the query context (analytics.query) of one command."""

    def __init__(self, args: argparse.Namespace) -> None:
        from ..store import Store
        from ..store.counters import CounterStore
        from .flags import settings_from_args

        settings = settings_from_args(args)
        self.query = QueryContext.for_settings(settings)
        self.zone, self.model = self.query.zone, self.query.model
        self.modulus_wh, self.limits = self.query.modulus_wh, self.query.limits
        self.store = Store.open(Path(settings.storage.data_dir))
        self.counters = CounterStore(self.store)

    def range(self, args: argparse.Namespace, span_s: int) -> tuple[int, int]:
        return self.query.range(args.from_, args.to, span_s, names=("--from", "--to"))


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8", newline="")


def run_export(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    try:
        from_utc, to_utc = setup.range(args, DEFAULT_SPAN_S[args.resolution])
        result = aggregate.consumption(setup.counters, args.resolution, from_utc, to_utc,
                                       setup.zone, setup.model)
        if args.format == "json":
            text = json.dumps(consumption_dict(result), indent=1)
        else:
            sep, decimal = (";", ",") if args.german else (args.sep, args.decimal)
            text = consumption_csv(result, sep, decimal)
    except (RangeError, ValueError) as error:
        return _fail(str(error))
    _write(text, args.output)
    return 0


def run_profile(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    try:
        from_utc, to_utc = setup.range(args, PROFILE_DEFAULT_SPAN_S)
        result = aggregate.profile(setup.counters, from_utc, to_utc, setup.zone, setup.model)
    except (RangeError, ValueError) as error:
        return _fail(str(error))
    print(json.dumps(result, indent=1))
    return 0


def _instant(setup: _Setup, text: str) -> int:
    return setup.query.instant(text, "--time")


def run_manual(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    try:
        t_utc = _instant(setup, args.time)
        events.add_manual_reading(setup.counters, setup.store, t_utc, round(args.kwh * 1000),
                                  int(time.time()), setup.limits, force=args.force)
    except ValueError as error:
        return _fail(str(error))
    print(f"manual reading {args.kwh} kWh stored at {t_utc}")
    return 0


def run_replace(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    try:
        t_utc = _instant(setup, args.time)
        events.replace_meter(setup.counters, t_utc, round(args.old_kwh * 1000),
                             round(args.new_kwh * 1000), int(time.time()), setup.limits,
                             args.note, force=args.force)
    except ValueError as error:
        return _fail(str(error))
    print(f"meter replacement stored at {t_utc}")
    return 0


def run_correct(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    try:
        t_utc = _instant(setup, args.time)
        value = None if args.void else round(args.kwh * 1000)
        stored = events.correct_reading(setup.counters, t_utc, value, int(time.time()),
                                        setup.limits, args.note, force=args.force)
    except ValueError as error:
        return _fail(str(error))
    outcome = "void" if value is None else f"{value} Wh"
    print(f"reading at {t_utc} ({stored} Wh as stored) is now {outcome}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    setup = _Setup(args)
    listing = {
        "replacements": [r.__dict__ for r in setup.counters.replacements()],
        "corrections": [c.__dict__ for c in setup.counters.corrections()],
    }
    print(json.dumps(listing, indent=1))
    return 0
