"""The SQLite database: connection handling, migrations, readings, frame log and state.

WAL mode with synchronous=FULL: a committed reading survives a kill -9 and a power cut, and
readers (web requests) never block the capture loop's writes. Each thread gets its own
connection, because sqlite3 connections must not be shared between threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .checks import (
    RESTORE_HINT,
    UnusableDataError,
    check_data_folder,
    check_database_file,
    describe_open_error,
    quick_check,
)
from .migrations import MIGRATIONS

DATABASE_NAME = "stromzaehler.sqlite3"
# Void readings (a correction without a value) are kept but never anchor the gate or the clock.
_NOT_VOID = (
    " WHERE NOT EXISTS (SELECT 1 FROM reading_corrections c"
    " WHERE c.t_utc = readings.t_utc AND c.counter_wh IS NULL)"
)


@dataclass(frozen=True)
class Reading:
    t_utc: int
    counter_wh: int
    confidence: float
    source: str


@dataclass(frozen=True)
class FrameRecord:
    id: int
    t_utc: int
    source: str
    status: str
    reason: str | None
    reading: str | None
    counter_wh: int | None
    confidence: float | None
    digits: list[dict] | None
    boxes: list[list[int]] | None
    image_path: str | None


class Store:
    """All SQL lives in this package; everything else calls these methods."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """The store of a data folder; UnusableDataError (one line) when it cannot be trusted."""
        check_data_folder(data_dir)
        path = data_dir / DATABASE_NAME
        check_database_file(path)
        store = cls(path)
        try:
            problem = quick_check(store.connection)
            if problem is not None:
                raise UnusableDataError(f"database {path}: is damaged ({problem}): {RESTORE_HINT}")
            if store.schema_version > len(MIGRATIONS):
                raise UnusableDataError(
                    f"database {path}: schema {store.schema_version} is newer than this program"
                    f" ({len(MIGRATIONS)}): install the newer stromzaehler that wrote it, or"
                    " restore a backup made by this version"
                )
            migrate(store.connection)
        except sqlite3.DatabaseError as error:
            store.close()
            raise describe_open_error(path, error) from None
        except UnusableDataError:
            store.close()
            raise
        return store

    @classmethod
    def attach(cls, data_dir: Path) -> Store:
        """The database of a data folder this process has already opened (and so checked and
        migrated) with `open`, for a second, short-lived Store in the same process.

        No file checks here: a plain open()/close() of the database file drops every POSIX
        lock this process's SQLite connections hold on it; another process closing its
        connection then takes the -wal and -shm files away from the running service."""
        path = data_dir / DATABASE_NAME
        if not path.is_file():
            raise UnusableDataError(f"database {path}: not found")
        return cls(path)

    @property
    def connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; IMMEDIATE so concurrent writers queue instead of failing later."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    # readings

    def add_reading(self, t_utc: int, counter_wh: int, confidence: float, source: str) -> int:
        with self.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO readings (t_utc, counter_wh, confidence, source) VALUES (?, ?, ?, ?)",
                (int(t_utc), int(counter_wh), float(confidence), source),
            )
        return int(cursor.lastrowid or 0)

    def add_readings_bulk(self, rows: Iterable[tuple[int, int, float, str]]) -> int:
        with self.transaction() as connection:
            cursor = connection.executemany(
                "INSERT INTO readings (t_utc, counter_wh, confidence, source) VALUES (?, ?, ?, ?)",
                rows,
            )
        return cursor.rowcount

    def readings(self, from_utc: int, to_utc: int, limit: int | None = None) -> list[Reading]:
        """Readings with from_utc <= t_utc < to_utc, oldest first."""
        rows = self.connection.execute(
            "SELECT t_utc, counter_wh, confidence, source FROM readings"
            " WHERE t_utc >= ? AND t_utc < ? ORDER BY t_utc, id LIMIT ?",
            (from_utc, to_utc, -1 if limit is None else limit),
        )
        return [Reading(*row) for row in rows]

    def last_reading(self) -> Reading | None:
        """The newest reading that is not void (a clock error or a voided misreading)."""
        row = self.connection.execute(
            "SELECT t_utc, counter_wh, confidence, source FROM readings" + _NOT_VOID +
            " ORDER BY t_utc DESC, id DESC LIMIT 1"
        ).fetchone()
        return Reading(*row) if row else None

    def recent_readings(self, count: int) -> list[Reading]:
        rows = self.connection.execute(
            "SELECT t_utc, counter_wh, confidence, source FROM readings" + _NOT_VOID +
            " ORDER BY t_utc DESC, id DESC LIMIT ?",
            (count,),
        ).fetchall()
        return [Reading(*row) for row in reversed(rows)]

    def count_readings(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM readings").fetchone()[0]

    # frame log

    def log_frame(
        self,
        t_utc: int,
        source: str,
        status: str,
        reason: str | None = None,
        *,
        reading: str | None = None,
        counter_wh: int | None = None,
        confidence: float | None = None,
        digits: list[dict] | None = None,
        boxes: list[list[int]] | None = None,
        image_path: str | None = None,
    ) -> int:
        with self.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO frames (t_utc, source, status, reason, reading, counter_wh,"
                " confidence, digits_json, boxes_json, image_path)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(t_utc),
                    source,
                    status,
                    reason,
                    reading,
                    counter_wh,
                    confidence,
                    None if digits is None else json.dumps(digits),
                    None if boxes is None else json.dumps(boxes),
                    image_path,
                ),
            )
        return int(cursor.lastrowid or 0)

    def frames(
        self, status: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[FrameRecord]:
        """Newest first."""
        rows = self.connection.execute(
            "SELECT id, t_utc, source, status, reason, reading, counter_wh, confidence,"
            " digits_json, boxes_json, image_path FROM frames"
            " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR id < ?2)"
            " ORDER BY id DESC LIMIT ?3",
            (status, before_id, limit),
        )
        return [_frame_record(row) for row in rows]

    def frame(self, frame_id: int) -> FrameRecord | None:
        row = self.connection.execute(
            "SELECT id, t_utc, source, status, reason, reading, counter_wh, confidence,"
            " digits_json, boxes_json, image_path FROM frames WHERE id = ?",
            (frame_id,),
        ).fetchone()
        return _frame_record(row) if row else None

    def set_frame_status(self, frame_id: int, status: str, reason: str | None) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE frames SET status = ?, reason = ? WHERE id = ?", (status, reason, frame_id)
            )

    def frame_images_beyond(self, keep: int) -> list[tuple[int, str]]:
        """(id, image path) of kept frame images older than the newest `keep` ones."""
        rows = self.connection.execute(
            "SELECT id, image_path FROM frames WHERE image_path IS NOT NULL"
            " ORDER BY id DESC LIMIT -1 OFFSET ?",
            (keep,),
        )
        return [(row[0], row[1]) for row in rows]

    def forget_frame_image(self, frame_id: int) -> None:
        with self.transaction() as connection:
            connection.execute("UPDATE frames SET image_path = NULL WHERE id = ?", (frame_id,))

    def frame_counts(self) -> dict[str, int]:
        rows = self.connection.execute("SELECT status, COUNT(*) FROM frames GROUP BY status")
        return {status: count for status, count in rows}

    # key-value state

    def get_state(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # maintenance

    def size_bytes(self) -> int:
        return sum(
            path.stat().st_size
            for path in (self.path, self.path.with_name(self.path.name + "-wal"))
            if path.exists()
        )

    def integrity_check(self) -> str:
        return self.connection.execute("PRAGMA integrity_check").fetchone()[0]


def _frame_record(row: tuple) -> FrameRecord:
    digits, boxes = (json.loads(text) if text else None for text in row[8:10])
    return FrameRecord(*row[:8], digits, boxes, row[10])


def connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode (isolation_level=None): transactions are explicit in Store.transaction.
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def migrate(connection: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the schema to `target` (default: newest); each step is one transaction."""
    target = len(MIGRATIONS) if target is None else target
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise UnusableDataError(
            f"database schema {version} is newer than this program ({len(MIGRATIONS)}):"
            " upgrade stromzaehler"
        )
    while version < target:
        script = MIGRATIONS[version]
        # executescript commits first; BEGIN inside it makes the step all-or-nothing.
        connection.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
        )
        version += 1
    return version
