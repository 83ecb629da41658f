"""`/api/adaptation`: state, teach against the typed reading on the live frame, reset."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stromzaehler.capture.loop import CaptureService
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.config import load_settings
from stromzaehler.light import NoLight
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app
from tests.test_web_api import PASSWORD, StillSource, frame_image, login, rejected_frame


def make_client(data_dir, store) -> TestClient:
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})
    service = CaptureService(
        lambda: StillSource(frame_image()), FrameHandler(store), 60, NoLight("test")
    )
    service.step()
    set_password(store, PASSWORD)
    return TestClient(create_app(settings, store, service))


def test_a_new_installation_says_what_is_missing(tmp_path):
    from stromzaehler.store import Store

    data = tmp_path / "data"
    client = make_client(data, Store.open(data))
    state = client.get("/api/adaptation").json()
    assert state["adapted"] is False and state["samples"] == 0
    assert state["first_reading_missing"] == "confirmation"


def test_teach_checks_the_reader_keeps_samples_and_can_be_reset(tmp_path, reference_frame):
    from stromzaehler.store import Store

    data = tmp_path / "data"
    client = make_client(data, Store.open(data))
    assert client.post("/api/adaptation/teach", json={"reading": "099516.0"}).status_code == 401
    headers = login(client)
    wrong = client.post("/api/adaptation/teach", json={"reading": "099526.0"}, headers=headers)
    assert wrong.status_code == 200, wrong.text
    assert not wrong.json()["agrees"]
    assert "roller 5: typed 2, read 1" in wrong.json()["message"]
    assert wrong.json()["first_reading_missing"] == "confirmation"
    right = client.post("/api/adaptation/teach", json={"reading": "099516.0"}, headers=headers)
    body = right.json()
    assert body["agrees"] and body["confirmed_by"] == "reading"
    assert body["first_reading_missing"] is None
    assert client.get("/api/adaptation").json()["adapted"] is True
    unclear = client.post("/api/adaptation/teach", json={"reading": "9.9.9"}, headers=headers)
    assert unclear.status_code == 422
    assert client.delete("/api/adaptation", headers=headers).json()["samples"] == 0


def test_a_correction_in_review_becomes_samples(tmp_path):
    from stromzaehler.store import Store

    data = tmp_path / "data"
    store = Store.open(data)
    client = make_client(data, store)
    headers = login(client)
    frame_id = rejected_frame(store, data)
    response = client.post(
        f"/api/frames/{frame_id}/correction", json={"reading": "099"}, headers=headers
    )
    assert response.status_code == 200, response.text
    state = client.get("/api/adaptation").json()
    assert state["per_origin"]["review"] == 3
    assert state["per_digit"]["0"] == 1 and state["per_digit"]["9"] == 2
