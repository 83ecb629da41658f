"""Start `stromzaehler serve` on broken files and print the exit code and what it said.

    python benchmarks/broken_start.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from stromzaehler.store import DATABASE_NAME, Store


def _with_readings(data: Path) -> Path:
    store = Store.open(data)
    store.add_readings_bulk((1_700_000_000 + 60 * i, i, 1.0, "x") for i in range(5000))
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return data / DATABASE_NAME


def garbage(data: Path) -> Path:
    data.mkdir()
    (data / DATABASE_NAME).write_bytes(os.urandom(8192))
    return data


def truncated(data: Path) -> Path:
    path = _with_readings(data)
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    return data


def zero_length(data: Path) -> Path:
    data.mkdir()
    (data / DATABASE_NAME).write_bytes(b"")
    return data


def newer_schema(data: Path) -> Path:
    with sqlite3.connect(_with_readings(data)) as connection:
        connection.execute("PRAGMA user_version = 99")
    return data


def damaged_pages(data: Path) -> Path:
    path = _with_readings(data)
    with path.open("r+b") as file:
        file.seek(3 * 4096)
        file.write(os.urandom(4096))
    return data


def bad_utf8_settings(data: Path) -> Path:
    data.mkdir()
    (data / "settings.toml").write_bytes(b"[server]\n# caf\xe9\n")
    return data


def bad_toml_settings(data: Path) -> Path:
    data.mkdir()
    (data / "settings.toml").write_bytes(b"[server\n")
    return data


def data_folder_is_a_file(data: Path) -> Path:
    data.write_text("x")
    return data


def unwritable_folder(data: Path) -> Path:
    if os.geteuid() == 0:
        return Path("/sys")  # sysfs refuses new files even to root
    data.mkdir()
    data.chmod(0o500)
    return data


CASES: list[Callable[[Path], Path]] = [
    garbage, truncated, zero_length, newer_schema, damaged_pages, bad_utf8_settings,
    bad_toml_settings, data_folder_is_a_file, unwritable_folder,
]


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="broken-start-"))
    for case in CASES:
        data = case(root / case.__name__)
        result = subprocess.run(
            [sys.executable, "-m", "stromzaehler", "serve", "--simulate", "--port", "1",
             "--data", str(data)],
            capture_output=True, text=True, timeout=120,
        )
        lines = result.stderr.strip().splitlines()
        print(f"{case.__name__}: exit {result.returncode}, {len(lines)} line(s): "
              f"{lines[0] if lines else ''}")


if __name__ == "__main__":
    main()
