"""A settings change reaches every running part at once: the hub, and the disc loop following
a disc window moved over HTTP without a restart."""

from __future__ import annotations

import cv2
import numpy as np
from fastapi.testclient import TestClient

from stromzaehler.capture.disc_keeper import DiscLoopKeeper
from stromzaehler.capture.disc_loop import DiscLoop
from stromzaehler.config import Box, load_settings
from stromzaehler.passwords import set_password
from stromzaehler.settings_hub import SettingsHub
from stromzaehler.simulator.disc_sequence import DiscWindowRenderer
from stromzaehler.sources.disc import CroppingDiscFrames
from stromzaehler.store import Store
from stromzaehler.store.revolutions import RevolutionStore
from stromzaehler.web.app import create_app

START_UTC = 1_764_115_200
FPS = 5.0
DEG_PER_S = 36.0  # one revolution every 10 s
OLD_WINDOW = Box(262, 355, 138, 52)  # where the camera sees only the cabinet wall
NEW_WINDOW = Box(100, 60, 138, 52)  # where the disc really is


def test_subscribers_get_every_change_and_can_leave():
    settings = load_settings(environ={})
    hub = SettingsHub(settings)
    seen: list[float] = []
    unsubscribe = hub.subscribe(lambda s: seen.append(s.capture.interval_s))

    def broken(_settings) -> None:
        raise RuntimeError("a part that fails")

    hub.subscribe(broken)
    later: list[float] = []
    hub.subscribe(lambda s: later.append(s.capture.interval_s))
    changed = settings.model_copy(update={"capture": settings.capture.model_copy(
        update={"interval_s": 30.0})})
    hub.publish(changed)
    assert hub.settings is changed
    assert seen == [30.0] and later == [30.0]  # the failing part kept nobody from the change
    unsubscribe()
    hub.publish(settings)
    assert seen == [30.0] and later == [30.0, settings.capture.interval_s]


class Camera:
    """640x480 frames with the rendered disc window at NEW_WINDOW, on a clock of its own."""

    def __init__(self) -> None:
        self.t_utc = float(START_UTC)
        self.renderer = DiscWindowRenderer(seed=3)

    def capture(self) -> np.ndarray:
        self.t_utc += 1.0 / FPS
        frame = np.full((480, 640, 3), 90, np.uint8)
        window = self.renderer.render((self.t_utc * DEG_PER_S) % 360.0, self.t_utc)
        x, y, w, h = NEW_WINDOW.x, NEW_WINDOW.y, NEW_WINDOW.w, NEW_WINDOW.h
        frame[y : y + h, x : x + w] = cv2.resize(window, (w, h), interpolation=cv2.INTER_LINEAR)
        return frame

    def clock(self) -> float:
        return self.t_utc


def test_the_disc_loop_follows_a_window_moved_over_http(tmp_path):
    settings = load_settings(environ={}, overrides={
        "storage": {"data_dir": str(tmp_path)},
        "meter": {"disc_window": OLD_WINDOW.as_list(), "revolutions_per_kwh": 75.0},
    })
    store = Store.open(tmp_path)
    camera = Camera()
    opened: list[Box] = []

    def frames() -> CroppingDiscFrames:
        opened.append(loop.window)
        return CroppingDiscFrames(camera.capture, loop.window, clock=camera.clock)

    loop = DiscLoop(frames, store, 75.0, fps=FPS, window=OLD_WINDOW)
    set_password(store, "correct horse")
    client = TestClient(create_app(settings, store, None, loop))
    token = client.post("/api/login", json={"password": "correct horse"}).json()["csrf_token"]

    for _ in range(300):  # a minute on the wall: no disc there, nothing counted
        loop.step()
    assert RevolutionStore(store).count() == 0

    geometry = client.get("/api/setup/geometry").json()
    geometry.update(disc_window=NEW_WINDOW.as_list(), revolutions_per_kwh=96.0)
    response = client.put("/api/setup/geometry", json=geometry, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    assert loop.window == NEW_WINDOW and loop.revolutions_per_kwh == 96.0

    counted = sum(loop.step() for _ in range(600))  # two minutes on the disc: 12 revolutions
    assert opened == [OLD_WINDOW, NEW_WINDOW]
    assert 10 <= counted <= 12  # the tracker learns the new window's rim first
    assert loop.state().tracking == "tracking"
    # the power follows the new plate value: 1 revolution per 10 s at 96 rev/kWh = 3750 W
    assert abs(loop.power(camera.t_utc).power_w - 3750.0) < 100


def test_the_disc_loop_takes_enabled_and_fps_from_the_hub_but_keeps_a_manual_switch(tmp_path):
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    window = settings.meter.geometry().disc_window
    loop = DiscLoop(lambda: None, Store.open(tmp_path), fps=5.0, window=window)
    hub = SettingsHub(settings)
    hub.subscribe(loop.reconfigure)

    def changed(**disc) -> object:
        return settings.model_copy(update={"disc": settings.disc.model_copy(update=disc)})

    hub.publish(changed(fps=10.0))
    assert loop.fps == 10.0 and loop.enabled
    loop.set_enabled(False)  # the switch on the power page
    hub.publish(changed(fps=8.0))  # another change leaves the switch as it was
    assert loop.fps == 8.0 and not loop.enabled
    hub.publish(changed(fps=8.0, enabled=False))
    assert not loop.enabled
    hub.publish(changed(fps=8.0, enabled=True))
    assert loop.enabled


def test_a_disc_window_set_later_creates_and_starts_the_disc_loop(tmp_path):
    settings = load_settings(environ={}, overrides={
        "storage": {"data_dir": str(tmp_path)}, "meter": {"disc_window": []},
    })
    store = Store.open(tmp_path)
    camera = Camera()
    built: list[DiscLoop] = []

    def build(changed) -> DiscLoop | None:  # as runtime.build_disc_loop does
        window = changed.meter.geometry().disc_window
        if window is None:
            return None
        loop = DiscLoop(lambda: CroppingDiscFrames(camera.capture, loop.window,
                                                   clock=camera.clock),
                        store, changed.meter.revolutions_per_kwh, fps=FPS, window=window)
        built.append(loop)
        return loop

    hub = SettingsHub(settings)
    keeper = DiscLoopKeeper(hub, build, build(settings))
    assert keeper.loop is None  # no window at start: no loop
    app = create_app(settings, store, None, None, hub)
    keeper.on_created(lambda loop: setattr(app.state, "disc_loop", loop))
    keeper.start()
    set_password(store, "correct horse")
    client = TestClient(app)
    token = client.post("/api/login", json={"password": "correct horse"}).json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    assert client.put("/api/power/tracking", json={"enabled": True},
                      headers=headers).status_code == 503  # no loop to switch

    geometry = client.get("/api/setup/geometry").json()
    geometry.update(disc_window=NEW_WINDOW.as_list(), revolutions_per_kwh=96.0)
    assert client.put("/api/setup/geometry", json=geometry, headers=headers).status_code == 200
    try:
        loop = keeper.loop
        assert loop is not None and built == [loop] and app.state.disc_loop is loop
        assert loop.window == NEW_WINDOW and loop.enabled
        assert loop._thread is not None and loop._thread.is_alive()  # started at once
    finally:
        keeper.stop()
    counted = sum(loop.step() for _ in range(600))  # two minutes on the disc: 12 revolutions
    assert 10 <= counted <= 12

    # the window removed again: tracking stops, no second loop is made
    geometry.update(disc_window=None)
    assert client.put("/api/setup/geometry", json=geometry, headers=headers).status_code == 200
    assert keeper.loop is loop and built == [loop]
    assert loop.window is None and not loop.enabled and loop.state().tracking == "off"
