"""The disc loop: frames in, revolutions stored, light held, switchable; its API."""

from __future__ import annotations

import json
import threading

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from stromzaehler.capture.disc_loop import DiscLoop
from stromzaehler.config import Box, load_settings
from stromzaehler.light import HeldLight, NoLight
from stromzaehler.simulator.disc_sequence import DiscSequence, constant_power
from stromzaehler.sources.disc import (
    CroppingDiscFrames,
    FilesDiscFrames,
    SimulatedDiscFrames,
    crop_window,
    disc_frames_for,
)
from stromzaehler.store import Store
from stromzaehler.store.revolutions import RevolutionStore
from stromzaehler.web.api_auth import set_password
from stromzaehler.web.app import create_app

START_UTC = 1_764_115_200


class SequenceFrames:
    """A DiscFrameSource over a finished DiscSequence."""

    name = "sequence"

    def __init__(self, sequence: DiscSequence) -> None:
        self._frames = iter(sequence.frames())

    def grab(self):
        frame = next(self._frames)
        return frame.t_utc, frame.image

    def close(self) -> None:
        pass


def run_steps(loop: DiscLoop, count: int) -> int:
    return sum(loop.step() for _ in range(count))


def test_loop_stores_revolutions_and_reports_power(tmp_path):
    store = Store.open(tmp_path)
    sequence = DiscSequence(constant_power(3000), START_UTC, 240, seed=1)
    loop = DiscLoop(lambda: SequenceFrames(sequence), store)
    counted = run_steps(loop, 1200)
    truth = sequence.revolution_times_utc()
    assert counted == RevolutionStore(store).count()
    assert abs(counted - truth.size) <= 1  # the learning frames may hide the first one
    now = loop.power(START_UTC + 240)
    assert now.power_w == pytest.approx(3000, rel=0.02)
    assert now.mean_w[60] == pytest.approx(3000, rel=0.02)
    assert loop.state().tracking == "tracking"


def test_a_new_loop_continues_from_the_stored_revolutions(tmp_path):
    store = Store.open(tmp_path)
    RevolutionStore(store).add([(START_UTC + 12.0 * i, i > 0, "crossing") for i in range(10)])
    loop = DiscLoop(lambda: SequenceFrames(DiscSequence(constant_power(0), 0, 1)), store)
    assert loop.power(START_UTC + 110).power_w == pytest.approx(4000.0)


def test_a_failing_frame_source_is_reported_and_retried(tmp_path):
    attempts = []

    def factory():
        attempts.append(1)
        raise RuntimeError("camera unplugged")

    loop = DiscLoop(factory, Store.open(tmp_path))
    assert loop.step() == 0 and loop.step() == 0
    assert len(attempts) == 2
    state = loop.state()
    assert state.tracking == "failed" and state.last_error == "camera unplugged"


def test_held_light_stays_on_while_the_disc_loop_tracks():
    light = HeldLight(NoLight("test"))
    light.hold(True)
    light.set(True)  # the minute capture around its frame
    light.set(False)
    assert light.is_on
    light.hold(False)
    assert not light.is_on
    light.set(True)
    assert light.is_on


def test_thread_runs_holds_the_light_and_can_be_switched_off(tmp_path):
    clock = {"t": float(START_UTC)}
    grabbed = threading.Event()

    def now() -> float:
        clock["t"] += 0.2
        grabbed.set()
        return clock["t"]

    light = HeldLight(NoLight("test"))
    loop = DiscLoop(
        lambda: SimulatedDiscFrames(now, lambda t: (t * 10.0) % 360.0),
        Store.open(tmp_path),
        fps=200.0,
        light=light,
    )
    loop.start()
    try:
        assert grabbed.wait(10.0)
        assert light.is_on
        loop.set_enabled(False)
        for _ in range(500):  # the thread notices within one step
            if not light.is_on:
                break
            threading.Event().wait(0.01)
        assert not light.is_on
        assert loop.state().tracking == "off"
    finally:
        loop.stop()
    assert not light.is_on


def test_crop_window_scales_with_the_frame_it_is_cut_from():
    frame = np.zeros((240, 320), np.uint8)
    frame[177:203, 131:200] = 200  # the reference window at half resolution
    crop = crop_window(frame, Box(262, 355, 138, 52), (640, 480), 0.5)
    assert crop.shape == (26, 69)
    assert crop.mean() > 150
    frames = CroppingDiscFrames(lambda: np.zeros((480, 640, 3), np.uint8), Box(262, 355, 138, 52))
    t_utc, image = frames.grab()
    assert image.shape == (26, 69, 3) and t_utc > 0


def test_files_are_replayed_in_the_order_of_the_time_in_their_names(tmp_path):
    for ms in (1_764_115_200_400, 1_764_115_200_000, 1_764_115_200_200):
        cv2.imwrite(
            str(tmp_path / f"disc-{ms}.png"), np.full((26, 69, 3), ms % 1000 // 2, np.uint8)
        )
    (tmp_path / "notes.txt").write_text("not a frame")
    frames = FilesDiscFrames(tmp_path)
    grabbed = [frames.grab() for _ in range(3)]
    assert [t for t, _ in grabbed] == [1_764_115_200.0, 1_764_115_200.2, 1_764_115_200.4]
    assert [int(image[0, 0, 0]) for _, image in grabbed] == [0, 100, 200]
    assert frames.grab()[1] is None


@pytest.fixture
def client(tmp_path):
    settings = load_settings(overrides={"storage": {"data_dir": str(tmp_path)}})
    store = Store.open(tmp_path)
    app = create_app(settings, store, None)
    return app, store


def test_api_power_from_the_store_without_a_loop(client):
    app, store = client
    RevolutionStore(store).add([(START_UTC + 12.0 * i, i > 0, "crossing") for i in range(100)])
    body = TestClient(app).get("/api/power").json()
    assert body["tracking"] == {"state": "off", "enabled": False}
    assert body["last_revolution_utc"] == START_UTC + 1188.0
    assert body["period_s"] == 12.0
    assert body["revolutions_per_kwh"] == 75.0
    assert set(body["mean_w"]) == {"1min", "5min", "15min"}


def test_api_power_with_the_loop_and_its_event_stream(client):
    app, store = client
    sequence = DiscSequence(constant_power(2000), START_UTC, 200, seed=2)
    loop = DiscLoop(lambda: SequenceFrames(sequence), store)
    run_steps(loop, 1000)
    app.state.disc_loop = loop
    http = TestClient(app)
    body = http.get("/api/power").json()
    assert body["tracking"]["state"] == "tracking"
    assert body["power_w"] == pytest.approx(2000, rel=0.03)
    with http.stream("GET", "/api/power/stream?count=2") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [block for block in text.split("\n\n") if block]
    assert len(events) == 2
    assert events[0].startswith("event: power\ndata: ")
    assert json.loads(events[0].split("data: ", 1)[1])["tracking"]["state"] == "tracking"


def test_switching_tracking_needs_a_login_and_reaches_the_loop(client):
    app, store = client
    set_password(store, "correct horse")
    loop = DiscLoop(lambda: SequenceFrames(DiscSequence(constant_power(0), START_UTC, 10)), store)
    app.state.disc_loop = loop
    http = TestClient(app)
    assert http.put("/api/power/tracking", json={"enabled": False}).status_code == 401
    token = http.post("/api/login", json={"password": "correct horse"}).json()["csrf_token"]
    response = http.put(
        "/api/power/tracking", json={"enabled": False}, headers={"X-CSRF-Token": token}
    )
    assert response.json() == {"enabled": False}
    assert not loop.enabled
    assert http.get("/api/power").json()["tracking"]["state"] == "off"


def test_disc_frames_for_the_simulated_meter_show_its_disc(tmp_path):
    from stromzaehler.sources.simulated import SimulatedSource

    source = SimulatedSource(start_utc=START_UTC)
    frames = disc_frames_for(source, source.meter.geometry.disc_window)
    t_utc, crop = frames.grab()
    assert t_utc >= START_UTC and crop.shape == (26, 69, 3)


def test_disc_frames_for_files_replay_the_disc_subfolder(tmp_path):
    from stromzaehler.sources import SourceError
    from stromzaehler.sources.files import FilesSource
    from stromzaehler.sources.opencv import OpenCVSource

    window = Box(262, 355, 138, 52)
    with pytest.raises(SourceError, match="no timed disc-window frames"):
        disc_frames_for(FilesSource(tmp_path), window)
    (tmp_path / "disc").mkdir()
    cv2.imwrite(str(tmp_path / "disc" / "frame-1764115200000.png"), np.zeros((480, 640, 3)))
    t_utc, crop = disc_frames_for(FilesSource(tmp_path), window).grab()
    assert t_utc == 1_764_115_200.0 and crop.shape == (26, 69, 3)
    with pytest.raises(SourceError, match="not supported"):
        disc_frames_for(OpenCVSource(0, 640, 480), window)


def test_revolutions_per_kwh_check_warns_when_the_plate_value_is_wrong(tmp_path):
    import time

    store = Store.open(tmp_path)
    now = int(time.time())
    start = now - 86400
    # 2 kW for a day: a revolution every 24 s at 75 per kWh, the counter in 100 Wh steps.
    RevolutionStore(store).add([(start + 24.0 * i, i > 0, "crossing") for i in range(3600)])
    store.add_readings_bulk(
        [
            (t, 50_000_000 + (t - start) * 2000 // 3600 // 100 * 100, 1.0, "test")
            for t in range(start, now, 60)
        ]
    )
    for configured, warned in ((75, False), (96, True)):
        settings = load_settings(
            environ={},
            overrides={
                "storage": {"data_dir": str(tmp_path)},
                "meter": {"revolutions_per_kwh": configured},
            },
        )
        body = TestClient(create_app(settings, store, None)).get("/api/power/check?days=2").json()
        assert abs(body["measured_per_kwh"] - 75) < 0.5
        assert (body["warning"] is not None) == warned
