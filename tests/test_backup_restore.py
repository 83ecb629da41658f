"""Backups (online, consistent, rotated) and restores (checked, never while the service runs,
never deleting what they replace), through the command line and the web API."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta

from fastapi.testclient import TestClient

from stromzaehler.backups import ServiceLock, daily_backup, daily_backups, daily_name
from stromzaehler.cli import main
from stromzaehler.config import load_settings
from stromzaehler.store import DATABASE_NAME, Store
from stromzaehler.store.rotation import KEEP_DAILY, backups_to_keep
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app


def _rows(path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT id, t_utc, counter_wh, confidence, source FROM readings ORDER BY id"
        ).fetchall()


def _filled(data_dir, count: int = 20_000) -> Store:
    store = Store.open(data_dir)
    store.add_readings_bulk((1_767_222_000 + 60 * i, 10 * i, 0.9, "picamera") for i in range(count))
    return store


def test_restore_on_a_fresh_data_folder_gives_back_every_reading(tmp_path, capsys):
    old, new, file = tmp_path / "old", tmp_path / "new", tmp_path / "stick" / "backup.sqlite3"
    _filled(old)
    assert main(["backup", "--data", str(old), "--to", str(file)]) == 0
    assert "20000 readings" in capsys.readouterr().out
    assert main(["restore", str(file), "--data", str(new)]) == 0
    assert _rows(new / DATABASE_NAME) == _rows(old / DATABASE_NAME)
    assert Store.open(new).count_readings() == 20_000  # and the service can open it


def test_a_backup_taken_while_readings_are_written_is_consistent(tmp_path):
    store = _filled(tmp_path / "data", 5000)
    stop = threading.Event()

    def capture() -> None:
        writer = Store(store.path)
        minute = 5000
        while not stop.is_set():
            writer.add_reading(1_767_222_000 + 60 * minute, 10 * minute, 1.0, "picamera")
            minute += 1
        writer.close()

    thread = threading.Thread(target=capture)
    thread.start()
    try:
        for index in range(3):
            main(["backup", "--data", str(tmp_path / "data"), "--to", str(tmp_path / f"{index}")])
    finally:
        stop.set()
        thread.join()
    for index in range(3):
        with sqlite3.connect(tmp_path / f"{index}") as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            t = [row[0] for row in copy.execute("SELECT t_utc FROM readings ORDER BY id")]
        assert len(t) >= 5000 and t == sorted(t)


def test_restore_refuses_while_the_service_runs(tmp_path, capsys):
    data_dir = tmp_path / "data"
    _filled(data_dir, 10)
    main(["backup", "--data", str(data_dir), "--to", str(tmp_path / "b")])
    lock = ServiceLock(data_dir)  # what `serve` holds
    assert lock.acquire()
    try:
        assert main(["restore", str(tmp_path / "b"), "--data", str(data_dir)]) == 2
        assert "service is running" in capsys.readouterr().err
    finally:
        lock.release()
    assert main(["restore", str(tmp_path / "b"), "--data", str(data_dir)]) == 0
    kept = [p for p in data_dir.iterdir() if ".before-restore-" in p.name]
    assert kept  # the database it replaced is kept, not deleted


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path, capsys):
    data_dir = tmp_path / "data"
    _filled(data_dir, 10)
    before = _rows(data_dir / DATABASE_NAME)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(garbage), "--data", str(data_dir)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "not an SQLite database" in lines[0]
    assert _rows(data_dir / DATABASE_NAME) == before


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    today = date(2026, 12, 2)
    days = [today - timedelta(days=n) for n in range(500)]
    keep = backups_to_keep(days)
    assert set(days[:KEEP_DAILY]) <= keep
    assert len({d.isocalendar()[:2] for d in keep}) >= 4
    assert len({(d.year, d.month) for d in keep}) == 12
    assert len(keep) <= 7 + 4 + 12
    assert min(keep) > today - timedelta(days=366)


def test_the_daily_backup_is_made_once_and_old_ones_are_rotated(tmp_path):
    data_dir, folder = tmp_path / "data", tmp_path / "backups"
    _filled(data_dir, 10)
    folder.mkdir()
    today = date(2026, 12, 2)
    for n in range(1, 60):
        (folder / daily_name(today - timedelta(days=n))).write_bytes(b"old")
    assert daily_backup(data_dir, folder, today) is not None
    assert daily_backup(data_dir, folder, today) is None  # one a day
    kept = daily_backups(folder)
    assert today in kept and len(kept) <= 7 + 4 + 12
    assert _rows(kept[today]) == _rows(data_dir / DATABASE_NAME)


def test_settings_page_api_shows_the_last_backup_and_offers_a_download(tmp_path):
    data_dir = tmp_path / "data"
    store = _filled(data_dir, 100)
    set_password(store, "correct horse")
    daily_backup(data_dir, data_dir / "backups", date.today())
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})
    client = TestClient(create_app(settings, store, None))
    assert client.get("/api/backup").status_code == 401  # it holds the password hash
    client.post("/api/login", json={"password": "correct horse"})
    state = client.get("/api/backup").json()
    assert state["last"]["file"] == daily_name(date.today())
    download = client.get("/api/backup/download")
    assert download.status_code == 200
    (tmp_path / "download.sqlite3").write_bytes(download.content)
    assert _rows(tmp_path / "download.sqlite3") == _rows(data_dir / DATABASE_NAME)
