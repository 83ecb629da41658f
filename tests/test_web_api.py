"""Settings, set-up and review routes of the web interface, through FastAPI's test client."""

from __future__ import annotations

import csv
import io
import tomllib
import zipfile

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from stromzaehler.capture.loop import CaptureService
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.config import REFERENCE_DIGIT_BOXES, load_settings
from stromzaehler.light import NoLight
from stromzaehler.sources import Frame
from stromzaehler.store import Store
from stromzaehler.web import api_review, api_settings, api_setup
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app
from stromzaehler.web.errors import detail_text

from .conftest import REFERENCE_FRAME

PASSWORD = "correct horse"
REFERENCE_BOXES = [list(b) for b in REFERENCE_DIGIT_BOXES]
BOXES = REFERENCE_BOXES[:3]
T0 = 1_780_000_000


class StillSource:
    name = "still"
    speed = 1.0

    def __init__(self, image: np.ndarray) -> None:
        self.image = image

    def capture(self) -> Frame:
        return Frame(self.image, float(T0), self.name)

    def close(self) -> None:
        pass


def frame_image() -> np.ndarray:
    if REFERENCE_FRAME.exists():
        return cv2.imread(str(REFERENCE_FRAME))
    image = np.full((480, 640, 3), 40, np.uint8)
    for i, (x, y, w, h) in enumerate(BOXES):
        image[y : y + h, x : x + w] = 100 + 50 * i
    return image


def with_web_routers(app):
    """The app with this area's routers (where create_app lacks them), ahead of the static files."""
    present = {getattr(route, "path", None) for route in app.router.routes}
    for router in (api_settings.router, api_setup.router, api_review.router):
        if not any(route.path in present for route in router.routes):
            app.include_router(router)
    static = [route for route in app.router.routes if getattr(route, "name", "") == "static"]
    for route in static:
        app.router.routes.remove(route)
        app.router.routes.append(route)
    return app


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def store(data_dir):
    return Store.open(data_dir)


@pytest.fixture
def client(data_dir, store):
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(data_dir)}})
    service = CaptureService(
        lambda: StillSource(frame_image()), FrameHandler(store), 60, NoLight("test")
    )
    service.step()
    set_password(store, PASSWORD)
    return TestClient(with_web_routers(create_app(settings, store, service)))


def login(client: TestClient) -> dict[str, str]:
    response = client.post("/api/login", json={"password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def rejected_frame(store: Store, data_dir, t_utc: int = T0 - 600) -> int:
    folder = data_dir / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{t_utc}.jpg"
    cv2.imwrite(str(path), frame_image())
    return store.log_frame(
        t_utc,
        "still",
        "rejected",
        "low_confidence",
        reading="099",
        counter_wh=9_900_000,
        confidence=0.3,
        digits=[{"digit": "0", "value": 0.1, "confidence": 0.9}] * 3,
        boxes=BOXES,
        image_path=str(path),
    )


# settings


def test_settings_show_only_the_editable_fields(client):
    settings = client.get("/api/settings").json()
    assert settings == {
        "capture": {"interval_s": 60.0},
        "light": {"enabled": True},
        "analytics": {"timezone": "Europe/Berlin"},
        "gate": {"max_power_w": 20000.0},
        "storage": {"rejected_frames_kept": 500},
        "auth": {"open_read": True},
        "mqtt": {
            "host": "",
            "port": 1883,
            "username": "",
            "password": None,
            "password_set": False,
            "tls": False,
            "base_topic": "stromzaehler",
            "discovery_prefix": "homeassistant",
            "client_id": "",
        },
    }


def test_changing_settings_needs_login_and_csrf(client):
    change = {"capture": {"interval_s": 30}}
    assert client.put("/api/settings", json=change).status_code == 401
    login(client)
    assert client.put("/api/settings", json=change).status_code == 403


def test_settings_change_persists_and_applies(client, data_dir):
    headers = login(client)
    change = {"capture": {"interval_s": 30}, "analytics": {"timezone": "Europe/Vienna"}}
    response = client.put("/api/settings", json=change, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["capture"]["interval_s"] == 30
    assert client.get("/api/settings").json()["analytics"]["timezone"] == "Europe/Vienna"
    assert "Europe/Vienna" in (data_dir / "settings.toml").read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capture": {"interval_s": 0}}, "capture.interval_s"),
        ({"analytics": {"timezone": "Mars/Olympus"}}, "IANA"),
        ({"capture": {"source": "simulated"}}, "not editable"),
        ({"server": {"port": 80}}, "not a settings section"),
    ],
)
def test_bad_settings_are_refused_with_the_key(client, change, message):
    response = client.put("/api/settings", json=change, headers=login(client))
    assert response.status_code == 422
    assert message in detail_text(response.json())


def test_time_zone_list_has_berlin(client):
    assert "Europe/Berlin" in client.get("/api/settings/timezones").json()


# set-up


def test_geometry_round_trip(client, data_dir):
    geometry = client.get("/api/setup/geometry").json()
    assert len(geometry["digit_boxes"]) == 7
    headers = login(client)
    change = {"digit_boxes": BOXES, "decimals": 0, "disc_window": None}
    response = client.put("/api/setup/geometry", json=change, headers=headers)
    assert response.status_code == 200, response.text
    saved = client.get("/api/setup/geometry").json()
    assert saved["digit_boxes"] == BOXES
    assert saved["decimals"] == 0
    assert saved["disc_window"] is None
    assert saved["revolutions_per_kwh"] == geometry["revolutions_per_kwh"]
    persisted = tomllib.loads((data_dir / "settings.toml").read_text())
    assert persisted["meter"]["digit_boxes"] == BOXES


def test_saving_geometry_needs_login(client):
    assert client.put("/api/setup/geometry", json={"decimals": 2}).status_code == 401


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"digit_boxes": [[1, 2, 3]]}, "meter.digit_boxes"),
        ({"digit_boxes": [[1, 2, 0, 4]]}, "w and h"),
        ({"decimals": 5}, "meter.decimals"),
        ({"zoom": 2}, "meter.zoom: unknown"),
    ],
)
def test_bad_geometry_is_refused(client, change, message):
    response = client.put("/api/setup/geometry", json=change, headers=login(client))
    assert response.status_code == 422
    assert message in detail_text(response.json())


def test_test_read_reads_the_live_frame_with_unsaved_boxes(client, reference_frame):
    assert client.post("/api/setup/test-read", json={"digit_boxes": BOXES}).status_code == 401
    headers = login(client)
    response = client.post("/api/setup/test-read", json={"digit_boxes": BOXES}, headers=headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert [d["digit"] for d in result["digits"]] == ["0", "9", "9"]
    assert result["boxes"][0][2:] == BOXES[0][2:]
    assert client.get("/api/setup/geometry").json()["digit_boxes"] != BOXES  # not saved


def test_proposal_finds_the_seven_rollers_of_the_reference(client, reference_frame):
    response = client.get("/api/setup/propose", headers=login(client))
    assert response.status_code == 200, response.text
    boxes = response.json()["digit_boxes"]
    assert len(boxes) == 7
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    for (x, y, _, _), (rx, ry, _, _) in zip(boxes, REFERENCE_BOXES, strict=True):
        assert abs(x - rx) < 20 and abs(y - ry) < 20


# review


def test_rejected_frames_are_listed_with_reason_image_and_crops(client, store, data_dir):
    frame_id = rejected_frame(store, data_dir)
    frames = client.get("/api/frames?status=rejected").json()["frames"]
    assert [f["id"] for f in frames] == [frame_id]
    assert frames[0]["reason"] == "low_confidence"
    assert frames[0]["has_image"] is True
    image = client.get(f"/api/frames/{frame_id}/image")
    assert image.headers["content-type"] == "image/jpeg"
    crop = client.get(f"/api/frames/{frame_id}/crops/1")
    assert crop.headers["content-type"] == "image/png"
    decoded = cv2.imdecode(np.frombuffer(crop.content, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape[:2] == (84, 46)
    assert client.get(f"/api/frames/{frame_id}/crops/3").status_code == 404
    assert client.get("/api/frames/999/image").status_code == 404


def test_frames_are_filtered_by_a_known_status_only(client, store, data_dir):
    frame_id = rejected_frame(store, data_dir)
    assert client.get("/api/frames?status=bogus").status_code == 422
    assert client.get("/api/frames?status=accepted").json()["frames"] == []
    every = {f["status"] for f in client.get("/api/frames?status=").json()["frames"]}
    rejected = client.get("/api/frames").json()["frames"]
    assert [f["id"] for f in rejected] == [frame_id] and len(every) > 1


def test_image_outside_the_data_folder_is_not_served(client, store, tmp_path):
    outside = tmp_path / "secret.jpg"
    cv2.imwrite(str(outside), frame_image())
    frame_id = store.log_frame(T0, "x", "rejected", "r", boxes=BOXES, image_path=str(outside))
    assert client.get(f"/api/frames/{frame_id}/image").status_code == 404


def test_correction_stores_a_manual_reading_and_labels_the_crops(client, store, data_dir):
    store.add_reading(T0 - 1200, 99_000, 0.99, "still")
    store.add_reading(T0, 101_000, 0.99, "still")
    frame_id = rejected_frame(store, data_dir, T0 - 600)
    body = {"reading": "99,5"}
    assert client.post(f"/api/frames/{frame_id}/correction", json=body).status_code == 401
    response = client.post(f"/api/frames/{frame_id}/correction", json=body, headers=login(client))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "corrected"
    assert response.json()["label"] == "995"
    manual = [r for r in store.readings(T0 - 600, T0 - 599) if r.source == "manual"]
    assert [r.counter_wh for r in manual] == [99_500]
    assert client.get("/api/frames?status=rejected").json()["frames"] == []

    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/frames/export.zip").content))
    rows = list(csv.DictReader(io.StringIO(archive.read("labels.csv").decode())))
    assert [row["label"] for row in rows] == ["9", "9", "5"]
    assert all(row["file"] in archive.namelist() for row in rows)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("abc", "roller digits"), ("98,0", "less than the reading before"), ("1050", "more than")],
)
def test_implausible_or_unclear_corrections_are_refused(client, store, data_dir, typed, message):
    store.add_reading(T0 - 1200, 99_000, 0.99, "still")
    store.add_reading(T0, 101_000, 0.99, "still")
    frame_id = rejected_frame(store, data_dir, T0 - 600)
    response = client.post(
        f"/api/frames/{frame_id}/correction", json={"reading": typed}, headers=login(client)
    )
    assert response.status_code == 422
    assert message in detail_text(response.json())
    assert store.count_readings() == 2


def test_roller_digits_typed_as_shown_count_with_the_decimals(client, store, data_dir):
    frame_id = rejected_frame(store, data_dir)
    response = client.post(
        f"/api/frames/{frame_id}/correction", json={"reading": "123"}, headers=login(client)
    )
    assert response.status_code == 200, response.text
    assert response.json()["corrected_wh"] == 12_300  # 12.3 kWh with one decimal


def test_marking_unreadable_takes_the_frame_off_the_list(client, store, data_dir):
    frame_id = rejected_frame(store, data_dir)
    assert client.post(f"/api/frames/{frame_id}/unreadable").status_code == 401
    response = client.post(f"/api/frames/{frame_id}/unreadable", headers=login(client))
    assert response.json()["status"] == "unreadable"
    assert response.json()["reason"] == "low_confidence"
    assert client.get("/api/frames").json()["frames"] == []
    assert store.count_readings() == 0
