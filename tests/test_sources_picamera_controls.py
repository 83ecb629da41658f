"""Pi camera controls per capture, without a camera: the settings -> controls mapping, the wait
for controls to take effect, and the switch between minute capture and disc loop."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from stromzaehler.config import load_settings
from stromzaehler.sources import open_source
from stromzaehler.sources.picamera import (
    SETTLE_FRAMES,
    PiCameraSource,
    apply_controls,
    camera_controls,
    controls_applied,
)


def test_fixed_exposure_and_gain_switch_auto_exposure_off() -> None:
    assert camera_controls(50000, 2.0) == {
        "ExposureTime": 50000,
        "AnalogueGain": 2.0,
        "AeEnable": False,
    }


def test_zero_leaves_a_control_automatic() -> None:
    assert camera_controls(0, 0) == {"AeEnable": True}
    assert camera_controls(20000, 0) == {"ExposureTime": 20000, "AeEnable": True}
    assert camera_controls(0, 4.0) == {"AnalogueGain": 4.0, "AeEnable": True}


def test_defaults_expose_the_minute_capture_longer_and_the_disc_loop_shorter() -> None:
    capture = load_settings(environ={}).capture
    minute = camera_controls(capture.exposure_us, capture.analogue_gain)
    disc = camera_controls(capture.disc_exposure_us, capture.disc_analogue_gain)
    assert minute["ExposureTime"] > disc["ExposureTime"]
    assert minute["AnalogueGain"] < disc["AnalogueGain"]


def test_settings_are_validated_with_their_key() -> None:
    with pytest.raises(ValueError, match="exposure_us"):
        load_settings(environ={}, overrides={"capture": {"exposure_us": -1}})


def test_controls_count_as_applied_within_ten_percent() -> None:
    wanted = camera_controls(50000, 2.0)
    assert controls_applied({"ExposureTime": 49000, "AnalogueGain": 2.1}, wanted)
    assert not controls_applied({"ExposureTime": 20000, "AnalogueGain": 2.0}, wanted)
    assert not controls_applied({}, wanted)
    assert controls_applied({}, {"AeEnable": True})


class FakeCamera:
    """Applies set controls after `delay` frames, like libcamera's pipeline; records calls."""

    def __init__(self, delay: int = 3, max_exposure_us: int = 1_000_000) -> None:
        self.delay = delay
        self.max_exposure_us = max_exposure_us
        self.calls: list[tuple[str, Any]] = []
        self.metadata = {"ExposureTime": 10000, "AnalogueGain": 1.0}
        self._pending: list[tuple[int, dict[str, Any]]] = []
        self.frame = 0

    def set_controls(self, controls: dict[str, Any]) -> None:
        self.calls.append(("set_controls", controls))
        self._pending.append((self.frame + self.delay, controls))

    def _next_frame(self) -> None:
        self.frame += 1
        for due, controls in list(self._pending):
            if due <= self.frame:
                if "ExposureTime" in controls:
                    exposure = min(controls["ExposureTime"], self.max_exposure_us)
                    self.metadata["ExposureTime"] = exposure
                if "AnalogueGain" in controls:
                    self.metadata["AnalogueGain"] = controls["AnalogueGain"]
                self._pending.remove((due, controls))

    def capture_metadata(self) -> dict[str, Any]:
        self._next_frame()
        return dict(self.metadata)

    def capture_array(self, stream: str) -> np.ndarray:
        self._next_frame()
        self.calls.append(("capture_array", dict(self.metadata)))
        return np.zeros((480, 640, 3), np.uint8)

    # picamera2's set-up calls
    def create_still_configuration(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    def configure(self, config: dict[str, Any]) -> None:
        pass

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_apply_waits_until_a_frame_shows_the_controls() -> None:
    camera = FakeCamera(delay=3)
    assert apply_controls(camera, camera_controls(50000, 2.0)) == 3
    assert camera.metadata == {"ExposureTime": 50000, "AnalogueGain": 2.0}


def test_apply_gives_up_after_a_bounded_number_of_frames() -> None:
    camera = FakeCamera(delay=1, max_exposure_us=30000)  # cannot reach 50 ms
    assert apply_controls(camera, camera_controls(50000, 2.0)) == SETTLE_FRAMES


@pytest.fixture
def fake_picamera2(monkeypatch: pytest.MonkeyPatch) -> FakeCamera:
    camera = FakeCamera(delay=2)
    module = types.ModuleType("picamera2")
    module.Picamera2 = lambda: camera  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "picamera2", module)
    return camera


def test_minute_capture_uses_its_controls_and_hands_back_to_the_disc_loop(
    fake_picamera2: FakeCamera,
) -> None:
    capture = load_settings(environ={}, overrides={"capture": {"source": "picamera"}}).capture
    source = open_source(capture)
    assert isinstance(source, PiCameraSource)
    source.capture()
    calls = fake_picamera2.calls
    disc = camera_controls(capture.disc_exposure_us, capture.disc_analogue_gain)
    minute = camera_controls(capture.exposure_us, capture.analogue_gain)
    assert calls[0] == ("set_controls", disc)  # at start: the disc loop's controls
    assert calls[1] == ("set_controls", minute)
    captured = next(metadata for name, metadata in calls if name == "capture_array")
    assert captured == {"ExposureTime": minute["ExposureTime"], "AnalogueGain": 2.0}
    assert calls[-1] == ("set_controls", disc)


def test_same_controls_for_both_switch_nothing(fake_picamera2: FakeCamera) -> None:
    controls = camera_controls(20000, 4.0)
    source = PiCameraSource(640, 480, controls, controls)
    source.capture()
    assert [name for name, _ in fake_picamera2.calls] == ["set_controls", "capture_array"]
