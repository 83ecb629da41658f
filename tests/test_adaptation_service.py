"""The service's adaptation: teach against a typed reading, samples from confirmed readings."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.capture.adaptation import SampleCollector, teach, typed_digits
from stromzaehler.capture.adaptation_store import AdaptationStore
from stromzaehler.capture.reader_setup import Recognizer
from stromzaehler.capture.setup_confirmation import SetupConfirmation
from stromzaehler.cli import main
from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box, MeterGeometry, load_settings
from stromzaehler.recognition.digits import DigitReading
from stromzaehler.recognition.reading import FrameReading
from tests.test_misplaced_camera import zoomed


def geometry() -> MeterGeometry:
    return MeterGeometry(tuple(Box(*b) for b in REFERENCE_DIGIT_BOXES))


def reader_factory(tmp_path: Path):
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    return lambda: Recognizer(settings, tmp_path).reader


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("099516.0", "0995160"), ("99516,0", "0995160"), ("0995160", "0995160"), (" 1.2", "0000012")],
)
def test_typed_readings_become_roller_digits(typed, digits):
    assert typed_digits(typed, 7, 1) == digits


@pytest.mark.parametrize("typed", ["99516", "99516.00", "12345678.0", "abc"])
def test_unclear_typed_readings_are_refused(typed):
    with pytest.raises(ValueError, match=r"type the 7 roller digits|more digits"):
        typed_digits(typed, 7, 1)


def test_teach_on_the_reference_frame_confirms_and_keeps_samples(tmp_path, reference_frame):
    image = cv2.imread(str(reference_frame))
    result = teach(image, "099516.0", geometry(), tmp_path, reader_factory(tmp_path))
    assert result.confirmed and result.mismatches == ()
    assert result.samples_added == 7
    assert SetupConfirmation(tmp_path).confirmed_by(geometry()) == "reading"
    assert len(AdaptationStore(tmp_path).load(geometry())) == 7
    # The adapted reader still reads the frame.
    assert reader_factory(tmp_path)().read(image).reading == "0995160"


def test_teach_names_the_rollers_the_reader_got_wrong(tmp_path, reference_frame):
    frame = cv2.imread(str(reference_frame))
    result = teach(frame, "199516.0", geometry(), tmp_path, reader_factory(tmp_path))
    assert not result.confirmed
    assert SetupConfirmation(tmp_path).confirmed_by(geometry()) is None
    assert [m.roller for m in result.mismatches] == [1]
    assert "roller 1: typed 1, read 0" in result.message()


def test_teach_says_when_the_boxes_do_not_sit_on_the_digits(tmp_path, reference_frame):
    result = teach(
        zoomed(reference_frame), "099516.0", geometry(), tmp_path, reader_factory(tmp_path)
    )
    assert not result.confirmed
    assert SetupConfirmation(tmp_path).confirmed_by(geometry()) is None
    assert result.mismatches == ()
    assert "the boxes do not sit on the digits" in result.message()


def test_teach_command_exit_codes_and_json(tmp_path, reference_frame, capsys):
    data = tmp_path / "data"
    args = ["teach", "--data", str(data), "--image", str(reference_frame), "--json"]
    assert main([*args, "--reading", "099516.0"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["agrees"] and record["read"] == "0995160"
    assert main([*args, "--reading", "099517.0"]) == 1
    assert "roller 6: typed 7, read 6" in json.loads(capsys.readouterr().out)["message"]
    assert main([*args, "--reading", "nonsense"]) == 2
    assert main(["teach", "--data", str(tmp_path / "empty"), "--reading", "1.0"]) == 2


def _reading(counter: str, values: list[float], confidence: float = 0.99) -> FrameReading:
    digits = [DigitReading(str(round(v) % 10), v, confidence) for v in values]
    wh = int(counter) * 100
    return FrameReading(counter, wh, digits, confidence, None, [])


def test_samples_come_from_readings_a_later_reading_confirmed(tmp_path):
    store = AdaptationStore(tmp_path, max_per_digit_and_roller=1)
    collector = SampleCollector(store, geometry())
    crops = [np.full((84, 46, 3), 40 * i, np.uint8) for i in range(7)]
    values = [0.0, 9.0, 9.0, 5.0, 1.0, 6.0, 0.45]  # last roller half-way: no sample
    first = _reading("0995160", values)
    assert not collector.observe(1000, first, crops, accepted=True)  # waits for confirmation
    assert store.load(geometry()) == []
    # A rejected frame confirms nothing; the next accepted one does.
    assert not collector.observe(1060, first, crops, accepted=False)
    assert collector.observe(1120, _reading("0995160", values), crops, accepted=True)
    profile = store.load(geometry())
    assert sorted((s.sample.roller, s.sample.label) for s in profile) == [
        (0, 0),
        (1, 9),
        (2, 9),
        (3, 5),
        (4, 1),
        (5, 6),
    ]
    assert {s.origin for s in profile} == {"auto"}
    # Full for every digit and roller seen: nothing more is written.
    assert not collector.observe(1180, _reading("0995160", values), crops, accepted=True)
    # A later reading that is lower, or too long after, confirms nothing.
    other = [0.0, 9.0, 9.0, 5.0, 1.0, 7.0, 0.0]
    assert not collector.observe(1240, _reading("0995170", other), crops, accepted=True)
    assert not collector.observe(1300, _reading("0995160", values), crops, accepted=True)
    assert not collector.observe(9000, _reading("0995170", other), crops, accepted=True)


def test_the_service_collects_samples_from_confirmed_readings(tmp_path):
    from stromzaehler.capture.verdict import FrameHandler
    from stromzaehler.sources import Frame
    from stromzaehler.sources.simulated import SimulatedSource
    from stromzaehler.store import Store

    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    store = Store.open(tmp_path)
    handler = FrameHandler.for_settings(store, settings)
    start = 1_780_000_020
    meter = SimulatedSource(start_utc=start).meter
    statuses = []
    for i in range(8):
        image, _ = meter.frame_at(start + 60 * i)
        statuses.append(handler.handle(Frame(image, start + 60 * i, "simulated")).status)
    assert statuses.count("accepted") >= 3, statuses
    profile = AdaptationStore(tmp_path).load(meter.geometry)
    assert profile and {s.origin for s in profile} == {"auto"}
    truth = meter.truth_at(start).roller_positions
    for stored in profile:  # every sample shows the digit its roller stood at
        assert stored.sample.label == round(truth[stored.sample.roller]) % 10
    assert handler.recognizer.reader.model.sample_count == len(profile)
