"""The flags every command shares, and the settings they give: defaults < --config file <
STROMZAEHLER_* environment < the flags the user gave."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings


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
