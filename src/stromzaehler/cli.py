"""Command line: parses, calls one function, formats. The logic lives in the modules."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .config import ConfigError, Settings, load_settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """File < environment < the flags the user gave (flags left out change nothing)."""
    overrides: dict[str, dict[str, Any]] = {}

    def put(section: str, key: str, value: Any) -> None:
        if value is not None:
            overrides.setdefault(section, {})[key] = value

    put("server", "host", getattr(args, "host", None))
    put("server", "port", getattr(args, "port", None))
    put("storage", "data_dir", getattr(args, "data", None))
    put("capture", "source", getattr(args, "source", None))
    put("capture", "interval_s", getattr(args, "interval", None))
    put("capture", "speed", getattr(args, "speed", None))
    if getattr(args, "simulate", False):
        put("capture", "source", "simulated")
    return load_settings(args.config, overrides=overrides)


def add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (see README: configuration reference)"
    )
    parser.add_argument(
        "--data", type=Path, help="folder for the database and frame images (default ./data)"
    )


def _serve(args: argparse.Namespace) -> int:
    from .runtime import serve

    serve(settings_from_args(args))
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from .store import Store
    from .web.api_auth import set_password

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
    """Subcommands that live with their area (simulator, recognition, analytics)."""
    from .adaptation_cli import register as register_adaptation
    from .analytics.cli import register as register_analytics
    from .recognition.cli import register as register_recognition
    from .simulator.cli import register as register_simulator

    return [register_simulator, register_recognition, register_analytics, register_adaptation]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
