"""`stromzaehler backup [--to FILE]` and `stromzaehler restore FILE`: parse, call, format."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from ..store.checks import UnusableDataError


def _backup(args: argparse.Namespace) -> int:
    from ..backups import backup_folder, daily_name
    from ..store import DATABASE_NAME
    from ..store.backup import backup_database
    from .flags import settings_from_args

    settings = settings_from_args(args)
    data_dir = settings.storage.data_dir
    target = args.to or backup_folder(data_dir, settings.storage.backup_dir) / daily_name(
        date.today()
    )
    info = backup_database(data_dir / DATABASE_NAME, target)
    print(f"backup: {info.path} ({info.readings} readings, {info.size_bytes} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from ..backups import service_running
    from ..store.backup import restore_database
    from .flags import settings_from_args

    data_dir = settings_from_args(args).storage.data_dir
    if service_running(data_dir):
        raise UnusableDataError(
            f"the service is running on {data_dir}: stop it first"
            " (`sudo systemctl stop stromzaehler`), then restore"
        )
    readings, kept = restore_database(args.file, data_dir)
    aside = f"; the previous database is kept as {kept}" if kept else ""
    print(f"restored {args.file}: {readings} readings{aside}")
    return 0


def register(commands: Any) -> None:
    from .flags import add_settings_flags

    backup = commands.add_parser(
        "backup",
        help="copy the database consistently, also while the service runs",
        description="Back up the database with SQLite's online backup API. Without --to the "
        "file goes where the daily backups go (the data folder's backups/ or "
        "storage.backup_dir).",
    )
    add_settings_flags(backup)
    backup.add_argument("--to", type=Path, help="write the backup to this file")
    backup.set_defaults(func=_backup)

    restore = commands.add_parser(
        "restore",
        help="put a backup in place of the database (the service must be stopped)",
        description="Check FILE, then make it the database of the data folder. The database it "
        "replaces is kept beside it, renamed with the time.",
    )
    add_settings_flags(restore)
    restore.add_argument("file", type=Path, metavar="FILE", help="a backup made by `backup`")
    restore.set_defaults(func=_restore)
