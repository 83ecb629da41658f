"""Command line: parses, calls one function, formats. The logic lives in the modules.

One module per command group (`analytics`, `recognition`, `simulator`, `doctor`); the flags
every command shares are in `flags.py` (re-exported here for command modules elsewhere)."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..config import ConfigError
from ..store.checks import UnusableDataError
from .flags import add_settings_flags, settings_from_args

__all__ = ["add_settings_flags", "build_parser", "main", "settings_from_args"]


def _serve(args: argparse.Namespace) -> int:
    from ..runtime import serve

    serve(settings_from_args(args))
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from ..passwords import set_password
    from ..store import Store

    settings = settings_from_args(args)
    if sys.stdin.isatty():
        password = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        set_password(Store.open(settings.storage.data_dir), password)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("password set")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import format_table, run_checks

    results = run_checks(settings_from_args(args))
    print(format_table(results))
    return 0 if all(r.ok for r in results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stromzaehler",
        description="Read a Ferraris electricity meter with a camera and show the load profile.",
    )
    parser.add_argument("--version", action="version", version=f"stromzaehler {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the capture loop and the web server",
        description="Capture a frame every interval, read it, store the reading, serve the web "
        "interface. Settings: defaults < --config file < STROMZAEHLER_* environment < flags.",
    )
    add_settings_flags(serve)
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", help="HTTP port (default 8080; the Pi service uses 80)")
    serve.add_argument(
        "--source",
        help="auto | picamera | opencv:N | files:PATH | simulated "
        "(default auto: the Pi camera when found, else the simulated meter)",
    )
    serve.add_argument("--simulate", action="store_true", help="same as --source simulated")
    serve.add_argument("--interval", help="seconds between readings (default 60)")
    serve.add_argument(
        "--speed", help="simulated meter only: time runs this many times faster (default 1)"
    )
    serve.set_defaults(func=_serve)

    passwd = commands.add_parser(
        "passwd",
        help="set the password for changes in the web interface",
        description="Set the password (asked twice on a terminal, else one line from stdin).",
    )
    add_settings_flags(passwd)
    passwd.set_defaults(func=_passwd)

    doctor = commands.add_parser(
        "doctor",
        help="check camera, LED, clock, disk and port, and say what to do",
        description="Check what the service needs and print a table with a fix for each failure.",
    )
    add_settings_flags(doctor)
    doctor.add_argument("--port", help="HTTP port to check (default from settings)")
    doctor.add_argument("--source", help="frame source to check (default from settings)")
    doctor.set_defaults(func=_doctor)

    for register in _area_registrations():
        register(commands)
    return parser


def _area_registrations() -> list[Any]:
    """Subcommands of each area (simulator, recognition, analytics, PV planner, backups,
    adaptation)."""
    from .adaptation import register as register_adaptation
    from .analytics import register as register_analytics
    from .backup import register as register_backup
    from .pv import register as register_pv
    from .recognition import register as register_recognition
    from .simulator import register as register_simulator

    return [
        register_simulator,
        register_recognition,
        register_analytics,
        register_pv,
        register_backup,
        register_adaptation,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except (ConfigError, UnusableDataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
