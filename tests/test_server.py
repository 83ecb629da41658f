"""Every endpoint through real HTTP against a started service."""

import http.client
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from openapi_spec_validator import validate

from stromzaehler.web.errors import detail_text

from .conftest import REFERENCE_FRAME, http_get


@pytest.fixture
def frames_folder(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    if REFERENCE_FRAME.exists():
        image = cv2.imread(str(REFERENCE_FRAME))
    else:
        image = np.full((480, 640, 3), (30, 20, 160), np.uint8)
    cv2.imwrite(str(folder / "a.png"), image)
    return folder


@pytest.fixture
def service(service_factory, frames_folder):
    service = service_factory("--source", f"files:{frames_folder}", "--interval", "1")
    service.wait_until(lambda: service.get_json("/api/health")["frames_ok"] >= 1, "a frame")
    return service


def test_health_reports_source_counts_and_version(service, frames_folder):
    health = service.get_json("/api/health")
    assert health["status"] == "ok"
    assert health["source"] == f"files:{frames_folder}"
    assert health["last_status"] in {"accepted", "rejected"}  # the reader judged the frame
    assert sum(health["frames"].values()) >= 1
    assert health["database_bytes"] > 0
    assert health["version"]
    assert health["uptime_s"] >= 0


def test_image_is_the_latest_frame_as_jpeg(service):
    status, headers, body = service.get("/api/image")
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (480, 640, 3)


def test_stream_is_multipart_jpeg(service):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=20)
    connection.request("GET", "/api/stream")
    response = connection.getresponse()
    content_type = response.getheader("content-type")
    assert content_type.startswith("multipart/x-mixed-replace")
    boundary = content_type.split("boundary=")[1].encode()
    parts = []
    for _ in range(2):  # a new part per new frame (interval 1 s)
        assert response.readline().strip() == b"--" + boundary
        headers = {}
        while (line := response.readline().strip()) != b"":
            key, value = line.decode().split(":", 1)
            headers[key.lower()] = value.strip()
        assert headers["content-type"] == "image/jpeg"
        body = response.read(int(headers["content-length"]))
        assert response.readline() == b"\r\n"
        parts.append(body)
    connection.close()
    for body in parts:
        assert cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR) is not None


def test_readings_validate_times(service):
    assert service.get_json("/api/readings?from=2026-01-01&to=2026-01-02")["readings"] == []
    assert service.get_json("/api/readings?from=0&to=100")["truncated"] is False
    status, _, body = service.get("/api/readings?from=yesterday")
    assert status == 422 and "from='yesterday'" in detail_text(json.loads(body))
    status, _, _ = service.get("/api/readings?from=2026-01-02&to=2026-01-01")
    assert status == 422


def test_openapi_is_valid_and_lists_the_contracts(service):
    spec = service.get_json("/openapi.json")
    validate(spec)
    for path in ("/api/health", "/api/image", "/api/stream", "/api/readings"):
        assert path in spec["paths"]


def test_start_page_is_served_compressed(service):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    connection.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200
    assert response.getheader("cache-control")
    assert response.getheader("content-encoding") == "gzip" or len(body) < 1024


def test_image_is_503_before_the_first_frame(service_factory, tmp_path):
    service = service_factory("--source", f"files:{tmp_path / 'nothing-here'}")
    status, _, body = service.get("/api/image")
    assert status == 503
    assert "no frame" in detail_text(json.loads(body))
    service.wait_until(
        lambda: service.get_json("/api/health")["frames_failed"] >= 1, "a failed capture"
    )
    health = service.get_json("/api/health")
    assert health["status"] == "degraded"
    assert "no such file" in health["last_error"]


def post(service, path, payload, headers=None, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if cookie:
        all_headers["Cookie"] = cookie
    connection.request("POST", path, json.dumps(payload), all_headers)
    response = connection.getresponse()
    return response.status, response.getheader("set-cookie"), json.loads(response.read() or b"{}")


def test_changes_need_login_and_csrf_token(service):
    assert post(service, "/api/light", {"on": True})[0] == 401
    assert post(service, "/api/login", {"password": "whatever1"})[0] == 403  # none set yet
    result = subprocess.run(
        [sys.executable, "-m", "stromzaehler", "passwd", "--data", str(service.data_dir)],
        input="correct horse\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert post(service, "/api/login", {"password": "wrong password"})[0] == 401
    status, set_cookie, body = post(service, "/api/login", {"password": "correct horse"})
    assert status == 200
    assert "httponly" in set_cookie.lower() and "samesite=strict" in set_cookie.lower()
    cookie = set_cookie.split(";")[0]
    assert post(service, "/api/light", {"on": False}, cookie=cookie)[0] == 403  # no CSRF token
    status, _, body_light = post(
        service, "/api/light", {"on": True}, {"X-CSRF-Token": body["csrf_token"]}, cookie
    )
    assert status == 200 and body_light["on"] is True
    status, _, _ = post(service, "/api/capture", {}, {"X-CSRF-Token": body["csrf_token"]}, cookie)
    assert status == 200


def test_short_password_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "stromzaehler", "passwd", "--data", str(tmp_path)],
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "at least 8 characters" in result.stderr


def test_health_answers_with_unknown_paths_404(service):
    assert http_get(service.url + "/api/does-not-exist")[0] == 404


def test_simulated_service_serves_a_red_meter_frame(service_factory):
    service = service_factory("--simulate", "--speed", "60")
    service.wait_until(lambda: service.get("/api/image")[0] == 200, "the first frame")
    body = service.get("/api/image")[2]
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (480, 640, 3)
    assert image[..., 2].mean() > 2 * image[..., 1].mean()
    assert service.get_json("/api/health")["source"] == "simulated"
    tracking = service.get_json("/api/power")["tracking"]
    assert tracking["enabled"] and tracking["source"] == "simulated"
    assert tracking["state"] in {"starting", "learning", "tracking"}


def test_sigkill_loses_no_committed_reading_and_restart_continues(service_factory, tmp_path):
    import signal
    import sqlite3

    data = tmp_path / "killed"
    service = service_factory("--simulate", "--speed", "600", data_dir=data)
    service.wait_until(lambda: service.get_json("/api/health")["readings"] >= 5, "readings")
    seen = service.get_json("/api/health")["readings"]
    service.stop(signal.SIGKILL)
    database = sqlite3.connect(data / "stromzaehler.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert database.execute("SELECT COUNT(*) FROM readings").fetchone()[0] >= seen
    database.close()

    restarted = service_factory("--simulate", "--speed", "600", data_dir=data)
    restarted.wait_until(
        lambda: restarted.get_json("/api/health")["readings"] >= seen + 5, "readings after restart"
    )
    rows = restarted.get_json("/api/readings?from=0&to=4000000000")["readings"]
    times = [r["t_utc"] for r in rows]
    counters = [r["counter_wh"] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert counters == sorted(counters)  # the simulated meter went on where it stopped
