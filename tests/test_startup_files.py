"""Broken files at start: one line naming the file, what is wrong and what to do; exit 2.

Each case is a real file in a real data folder, started through the command line; nothing
is ever replaced (a zero-length or damaged database stays as it was for the owner to rescue).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from stromzaehler.cli import main
from stromzaehler.store import DATABASE_NAME, Store


def _serve(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["serve", "--simulate", "--port", "1", "--data", str(data_dir)])
    lines = capsys.readouterr().err.strip().splitlines()
    return code, lines


def _database_with_readings(data_dir: Path, count: int = 5000) -> Path:
    store = Store.open(data_dir)
    store.add_readings_bulk((1_700_000_000 + 60 * i, 10 * i, 1.0, "test") for i in range(count))
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return data_dir / DATABASE_NAME


def _assert_one_line(code: int, lines: list[str], *words: str) -> None:
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]


def test_zero_length_database_is_refused_and_left_alone(tmp_path, capsys):
    (tmp_path / DATABASE_NAME).write_bytes(b"")
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, DATABASE_NAME, "empty", "restore")
    assert (tmp_path / DATABASE_NAME).stat().st_size == 0


def test_garbage_database_is_refused(tmp_path, capsys):
    (tmp_path / DATABASE_NAME).write_bytes(os.urandom(8192))
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, DATABASE_NAME, "not an SQLite database")


def test_truncated_database_is_refused_and_left_alone(tmp_path, capsys):
    path = _database_with_readings(tmp_path)
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size // 2)
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, DATABASE_NAME, "truncated")
    assert path.stat().st_size == size // 2


def test_database_with_damaged_pages_is_refused(tmp_path, capsys):
    path = _database_with_readings(tmp_path)
    page_size = 4096
    with path.open("r+b") as file:
        file.seek(3 * page_size)  # a b-tree page of the readings, not the header
        file.write(os.urandom(page_size))
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, DATABASE_NAME, "damaged")


def test_database_from_a_newer_version_is_refused(tmp_path, capsys):
    path = _database_with_readings(tmp_path, 10)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 999")
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, DATABASE_NAME, "newer than this program")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM readings").fetchone()[0] == 10


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[server]\nport = 8080\n# caf\xe9\n", ["not valid UTF-8"]),
        (b"[server\n", ["not valid TOML"]),
    ],
)
def test_broken_settings_file_is_refused(tmp_path, capsys, content, words):
    (tmp_path / "settings.toml").write_bytes(content)
    code, lines = _serve(tmp_path, capsys)
    _assert_one_line(code, lines, "settings.toml", *words, "fix or remove it")


def test_data_folder_that_is_a_file_is_refused(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.write_text("not a folder")
    code, lines = _serve(folder, capsys)
    _assert_one_line(code, lines, str(folder), "not a folder")


def test_data_folder_that_is_not_writable_is_refused(tmp_path, capsys):
    if os.geteuid() == 0:
        # root writes through permission bits; sysfs refuses new files even to root.
        folder = Path("/sys")
    else:
        folder = tmp_path / "data"
        folder.mkdir()
        folder.chmod(0o500)
    code, lines = _serve(folder, capsys)
    _assert_one_line(code, lines, str(folder), "not writable")
