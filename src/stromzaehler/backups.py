"""Automatic daily backups with rotation, the last backup for the Settings page, and the lock
that tells `restore` the service is running.

Daily backups go to the data folder's `backups/` (or storage.backup_dir: a USB stick, a network
share), one file per day named after it; store.rotation decides which to keep.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from datetime import date, datetime
from pathlib import Path
from typing import IO

from .store import DATABASE_NAME
from .store.backup import BackupInfo, backup_database
from .store.rotation import backups_to_keep

log = logging.getLogger(__name__)

BACKUP_PREFIX = "stromzaehler-"
BACKUP_SUFFIX = ".sqlite3"
LOCK_NAME = ".service.lock"
CHECK_EVERY_S = 3600.0


def backup_folder(data_dir: Path, backup_dir: Path | None) -> Path:
    return backup_dir if backup_dir is not None else data_dir / "backups"


def daily_name(day: date) -> str:
    return f"{BACKUP_PREFIX}{day.isoformat()}{BACKUP_SUFFIX}"


def _day_of(path: Path) -> date | None:
    name = path.name
    if not (name.startswith(BACKUP_PREFIX) and name.endswith(BACKUP_SUFFIX)):
        return None
    try:
        return date.fromisoformat(name[len(BACKUP_PREFIX) : -len(BACKUP_SUFFIX)])
    except ValueError:
        return None


def daily_backups(folder: Path) -> dict[date, Path]:
    if not folder.is_dir():
        return {}
    found = {_day_of(path): path for path in folder.iterdir()}
    return {day: path for day, path in found.items() if day is not None}


def last_backup(folder: Path) -> dict | None:
    """Newest backup file in the folder (for the Settings page), or None."""
    backups = daily_backups(folder)
    if not backups:
        return None
    path = backups[max(backups)]
    stat = path.stat()
    return {
        "file": path.name,
        "size_bytes": stat.st_size,
        "time": datetime.fromtimestamp(stat.st_mtime).astimezone().isoformat(),
    }


def daily_backup(data_dir: Path, folder: Path, today: date) -> BackupInfo | None:
    """Today's backup unless there is one; then drop what the rotation does not keep."""
    backups = daily_backups(folder)
    info = None
    if today not in backups:
        info = backup_database(data_dir / DATABASE_NAME, folder / daily_name(today))
        backups[today] = info.path
    keep = backups_to_keep(backups)
    for day, path in backups.items():
        if day not in keep:
            path.unlink(missing_ok=True)
    return info


class BackupWorker:
    """Makes the daily backup in a background thread (at start and then hourly checks)."""

    def __init__(self, data_dir: Path, folder: Path) -> None:
        self.data_dir = data_dir
        self.folder = folder
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="backup", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                info = daily_backup(self.data_dir, self.folder, date.today())
                if info is not None:
                    log.info("backup: %s (%d readings)", info.path, info.readings)
                self.last_error = None
            except Exception as error:  # a full stick must not stop the service: log, retry
                log.warning("the daily backup to %s failed: %s", self.folder, error)
                self.last_error = str(error)
            self._stop.wait(CHECK_EVERY_S)


class ServiceLock:
    """Held by `serve` for its lifetime (the kernel drops it on any exit, kill -9 included)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        self._file = self.path.open("a")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def service_running(data_dir: Path) -> bool:
    """True while a `serve` holds the data folder's lock."""
    if not (data_dir / LOCK_NAME).exists():
        return False
    probe = ServiceLock(data_dir)
    if probe.acquire():
        probe.release()
        return False
    return True
