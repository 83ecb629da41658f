"""Honest health: ok, degraded or failing with reasons, through the real API on real files."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from fastapi.testclient import TestClient

from stromzaehler.capture.loop import CaptureService
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.config import load_settings
from stromzaehler.health_checks import Finding, evaluate
from stromzaehler.light import NoLight
from stromzaehler.sources import Frame, SourceError
from stromzaehler.store import DATABASE_NAME, Store
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app

PASSWORD = "correct horse"


class Source:
    name = "scripted"
    speed = 1.0

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0

    def capture(self) -> Frame:
        self.calls += 1
        if self.fail:
            raise SourceError("camera unplugged")
        return Frame(np.zeros((48, 64, 3), np.uint8), 1_800_000_000.0 + self.calls, self.name)

    def close(self) -> None:
        pass


def _client(tmp_path, source, **settings_overrides):
    settings = load_settings(
        environ={}, overrides={"storage": {"data_dir": str(tmp_path)}, **settings_overrides}
    )
    store = Store.open(tmp_path)
    set_password(store, PASSWORD)
    service = CaptureService(lambda: source, FrameHandler(store), 60, NoLight("t"))
    return TestClient(create_app(settings, store, service)), service, store


def test_the_worst_finding_wins_and_a_broken_check_fails():
    def broken() -> Finding | None:
        raise OSError("no such device")

    assert evaluate([("a", lambda: None)]) == ("ok", [])
    status, reasons = evaluate([
        ("a", lambda: Finding("degraded", "meh")),
        ("b", broken),
        ("c", lambda: None),
    ])
    assert status == "failing"
    assert [r["check"] for r in reasons] == ["a", "b"]
    assert "no such device" in reasons[1]["reason"]


def test_ok_while_frames_are_stored(tmp_path):
    client, service, _ = _client(tmp_path, Source())
    service.step()
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["reasons"] == []
    assert health["frames_ok"] == 1


def test_a_failing_source_degrades_then_fails(tmp_path):
    client, service, _ = _client(tmp_path, Source(fail=True))
    service.step()
    first = client.get("/api/health").json()
    assert first["status"] == "degraded"
    assert "camera unplugged" in first["reasons"][0]["reason"]
    service.step()
    service.step()
    health = client.get("/api/health").json()
    assert health["status"] == "failing" and health["frames_failed"] == 3
    assert health["reasons"][0]["check"] == "source"


def test_store_write_errors_fail_and_count_as_failed_frames(tmp_path):
    client, service, _store = _client(tmp_path, Source())
    # A write the database refuses, as a full disk or an I/O error would.
    with sqlite3.connect(tmp_path / DATABASE_NAME) as other:
        other.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON frames"
            " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    service.step()
    service.step()
    health = client.get("/api/health").json()
    assert health["status"] == "failing"
    assert (health["frames_ok"], health["frames_failed"]) == (0, 2)
    assert health["reasons"][0]["check"] == "store"
    assert "disk I/O error" in health["reasons"][0]["reason"]


def test_an_unsynchronised_clock_fails_when_sync_is_required(tmp_path):
    client, service, _ = _client(tmp_path, Source(), capture={"require_clock_sync": True})
    service.health.last_reason = "clock_unsynchronised"  # what the frame handler reports
    health = client.get("/api/health").json()
    assert health["status"] == "failing"
    assert any(r["check"] == "clock" for r in health["reasons"])


def test_no_reading_for_many_intervals_degrades(tmp_path):
    client, service, _ = _client(tmp_path, Source())
    service.health.started_at_utc -= 3600  # running for an hour without a reading stored
    health = client.get("/api/health").json()
    assert health["status"] == "degraded"
    assert any(r["check"] == "readings" for r in health["reasons"])


def test_a_damaged_database_answers_failing_not_500(tmp_path):
    client, _service, _store = _client(tmp_path, Source())
    with sqlite3.connect(tmp_path / DATABASE_NAME) as other:
        other.execute("DROP TABLE readings")
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "failing"
    assert response.json()["reasons"][0]["check"] == "database"


@pytest.mark.parametrize("logged_in", [False, True])
def test_closed_reading_shows_only_the_status_without_a_session(tmp_path, logged_in):
    client, service, _ = _client(tmp_path, Source(), auth={"open_read": False})
    service.step()
    if logged_in:
        assert client.post("/api/login", json={"password": PASSWORD}).status_code == 200
    health = client.get("/api/health").json()
    if logged_in:
        assert health["frames_ok"] == 1 and "last_reading" in health
    else:
        assert health == {"status": "ok"}
