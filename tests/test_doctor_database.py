"""`doctor` checks the database with SQLite's quick_check and says what to do."""

from __future__ import annotations

import os

from stromzaehler.cli.doctor import check_database
from stromzaehler.config import load_settings
from stromzaehler.store import DATABASE_NAME, Store


def _settings(data_dir):
    return load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})


def test_a_sound_database_passes(tmp_path):
    store = Store.open(tmp_path)
    store.add_readings_bulk((1_700_000_000 + 60 * i, i, 1.0, "test") for i in range(100))
    result = check_database(_settings(tmp_path))
    assert result.ok and "quick_check ok" in result.detail


def test_a_damaged_database_fails_with_what_to_do(tmp_path):
    store = Store.open(tmp_path)
    store.add_readings_bulk((1_700_000_000 + 60 * i, i, 1.0, "test") for i in range(5000))
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with (tmp_path / DATABASE_NAME).open("r+b") as file:
        file.seek(3 * 4096)
        file.write(os.urandom(4096))
    result = check_database(_settings(tmp_path))
    assert not result.ok
    assert "damaged" in result.detail and "restore" in result.fix
