import cv2
import numpy as np
import pytest

from stromzaehler.config import CaptureSettings
from stromzaehler.sources import SourceError, open_source
from stromzaehler.sources.files import FilesSource
from stromzaehler.sources.opencv import OpenCVSource
from stromzaehler.sources.picamera import PiCameraSource, picamera_available


def write_images(folder, count):
    folder.mkdir()
    for i in range(count):
        cv2.imwrite(str(folder / f"frame-{i}.png"), np.full((48, 64, 3), i * 10, np.uint8))


def test_files_source_replays_folder_in_order_and_loops(tmp_path):
    write_images(tmp_path / "frames", 3)
    source = open_source(CaptureSettings(source=f"files:{tmp_path / 'frames'}"))
    values = [int(source.capture().image[0, 0, 0]) for _ in range(4)]
    assert values == [0, 10, 20, 0]


def test_files_source_single_image(tmp_path):
    write_images(tmp_path / "frames", 1)
    frame = FilesSource(tmp_path / "frames" / "frame-0.png").capture()
    assert frame.image.shape == (48, 64, 3)
    assert frame.source.startswith("files:")


def test_files_source_errors_are_source_errors(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        FilesSource(tmp_path / "missing").capture()
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no images"):
        FilesSource(tmp_path / "empty").capture()
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(SourceError, match="not a readable image"):
        FilesSource(tmp_path / "broken.jpg").capture()


def test_missing_webcam_is_a_source_error():
    source = OpenCVSource(97, 640, 480)
    with pytest.raises(SourceError, match="cannot be opened"):
        source.capture()
    source.close()


def test_picamera_absent_is_handled():
    try:
        import picamera2  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("picamera2 is installed here; this test is for machines without it")
    assert picamera_available() is False
    with pytest.raises(SourceError, match="picamera2"):
        PiCameraSource(640, 480).capture()


def test_auto_falls_back_to_simulated_meter_without_camera():
    from stromzaehler.sources import resolve_source_spec

    if picamera_available():
        pytest.skip("a Pi camera is attached")
    assert resolve_source_spec("auto") == "simulated"


def test_simulated_source_renders_frames_like_the_reference_camera():
    source = open_source(
        CaptureSettings(source="simulated"), start_utc=1_780_000_000, start_wh=1234
    )
    frame = source.capture()
    assert frame.image.shape == (480, 640, 3) and frame.image.dtype == np.uint8
    blue, green, red = (float(frame.image[..., c].mean()) for c in range(3))
    assert red > 2 * max(blue, green)  # red LED light, as in the reference frame
    truth = source.meter.truth_at(frame.captured_at_utc)
    assert truth.counter_wh >= 1234


def test_simulated_source_runs_faster_with_speed():
    source = open_source(CaptureSettings(source="simulated", speed=3600), start_utc=1_780_000_000)
    first = source.capture().captured_at_utc
    second = source.capture().captured_at_utc
    assert second > first
    assert source.speed == 3600
