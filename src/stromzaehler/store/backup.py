"""Backups of the database with SQLite's online backup API, and restoring one.

The online backup copies a consistent snapshot while the service keeps writing (WAL readers do
not block the writer). A backup is written to a temporary name, synced, checked with
quick_check, and only then renamed into place, so a crash never leaves half a backup under a
real name. A restore checks the file first and never deletes the database it replaces: that one
is moved aside with the time in its name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import UnusableDataError, check_database_file, quick_check
from .db import DATABASE_NAME
from .migrations import MIGRATIONS

PAGES_PER_STEP = 256  # the writer gets the database between steps of the online backup


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    readings: int
    size_bytes: int


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def backup_database(database: Path, target: Path) -> BackupInfo:
    """A consistent copy of `database` at `target` (replaced atomically), checked."""
    if not database.exists():
        raise UnusableDataError(f"database {database}: not found: nothing to back up")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=PAGES_PER_STEP, sleep=0.01)
        # A single file without a -wal beside it: what a user copies is all there is.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    _fsync(partial)
    readings = check_backup(partial)
    os.replace(partial, target)
    return BackupInfo(target, readings, target.stat().st_size)


def check_backup(path: Path) -> int:
    """The number of readings in a backup file; UnusableDataError when it is not one."""
    check_database_file(path)
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problem = quick_check(connection)
        if problem is not None:
            raise UnusableDataError(f"backup {path}: is damaged ({problem})")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise UnusableDataError(
                f"backup {path}: schema {version} is newer than this program: upgrade first"
            )
        try:
            return int(connection.execute("SELECT count(*) FROM readings").fetchone()[0])
        except sqlite3.DatabaseError:
            raise UnusableDataError(f"backup {path}: has no readings table") from None
    except sqlite3.DatabaseError as error:
        raise UnusableDataError(f"backup {path}: {error}") from None
    finally:
        connection.close()


def restore_database(backup: Path, data_dir: Path) -> tuple[int, Path | None]:
    """Put `backup` in place as the data folder's database; (readings, where the old one went).

    The caller makes sure the service is not running (service_lock.held_elsewhere)."""
    readings = check_backup(backup)
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / DATABASE_NAME
    incoming = data_dir / (DATABASE_NAME + ".restoring")
    shutil.copyfile(backup, incoming)
    _fsync(incoming)
    kept: Path | None = None
    if database.exists():
        kept = data_dir / f"{DATABASE_NAME}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
        database.rename(kept)
        for suffix in ("-wal", "-shm"):
            side = database.with_name(DATABASE_NAME + suffix)
            if side.exists():
                side.rename(kept.with_name(kept.name + suffix))
    os.replace(incoming, database)
    return readings, kept
