"""Is the data folder usable and the database file one we can trust? Checked before opening.

SQLite opens almost anything without complaint: a zero-length file becomes a new empty
database, a truncated one fails only when a missing page is read, a garbage one on the first
statement. Each of these would hide the owner's history behind a traceback or, worse, behind a
fresh empty database, so the store refuses them with one line that names the file, says what is
wrong and what to do.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
RESTORE_HINT = "restore a backup with `stromzaehler restore FILE` or move the file away"


class UnusableDataError(RuntimeError):
    """The data folder or the database cannot be used; the message is one line for the user."""


def check_data_folder(data_dir: Path) -> None:
    """The data folder exists (or can be made) and the service may create files in it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UnusableDataError(
            f"data folder {data_dir}: is a file, not a folder: choose another --data folder"
        ) from None
    except OSError as error:
        raise UnusableDataError(
            f"data folder {data_dir}: cannot be created ({error.strerror}):"
            " choose a writable --data folder"
        ) from None
    try:
        # os.access says yes to root on a read-only mount: try to create a file instead.
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        raise UnusableDataError(
            f"data folder {data_dir}: not writable ({error.strerror}): give the service's user"
            f" write access (e.g. `sudo chown -R stromzaehler {data_dir}`) or choose --data"
        ) from None


def check_database_file(path: Path) -> None:
    """A database file that exists is a whole SQLite database (header and length agree)."""
    if not path.exists():
        return
    size = path.stat().st_size
    if size == 0:
        raise UnusableDataError(f"database {path}: is empty (0 bytes): {RESTORE_HINT}")
    with path.open("rb") as file:
        header = file.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise UnusableDataError(f"database {path}: is not an SQLite database: {RESTORE_HINT}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = header[24:28]
    page_count = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid when its version matches the change counter.
    if header[92:96] == change_counter and page_count and size < page_count * page_size:
        raise UnusableDataError(
            f"database {path}: is truncated ({size} of {page_count * page_size} bytes):"
            f" {RESTORE_HINT}"
        )
    if page_size < 512 or size % page_size:
        raise UnusableDataError(
            f"database {path}: is truncated (not a whole number of pages): {RESTORE_HINT}"
        )


def quick_check(connection: sqlite3.Connection) -> str | None:
    """None when SQLite's quick_check finds the database sound, else its first complaint."""
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return str(error)
    first = rows[0][0] if rows else "no answer"
    return None if first == "ok" else str(first)


def describe_open_error(path: Path, error: Exception) -> UnusableDataError:
    """The one line for an error SQLite raised while opening or migrating `path`."""
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
        return UnusableDataError(
            f"database {path}: not writable ({error}): give the service's user write access"
        )
    return UnusableDataError(f"database {path}: {error}: {RESTORE_HINT}")


def database_problem(path: Path) -> str | None:
    """For `doctor`: None when the database file is whole and SQLite's quick_check is happy
    (read-only, so it is safe while the service runs), else what is wrong."""
    if not path.exists():
        return None
    try:
        check_database_file(path)
    except UnusableDataError as error:
        return str(error)
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as error:
        return f"database {path}: {error}"
    try:
        problem = quick_check(connection)
    finally:
        connection.close()
    return None if problem is None else f"database {path}: is damaged ({problem})"
