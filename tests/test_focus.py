"""A frame much less sharp than the set-up frame is not read (recognition/focus.py)."""

from __future__ import annotations

import cv2
import pytest

from stromzaehler.recognition.align import Reference
from stromzaehler.recognition.focus import MIN_FOCUS_RATIO, crop_focus
from stromzaehler.recognition.reading import MeterReader
from stromzaehler.simulator import FaultRates, SimulatedMeter
from stromzaehler.status import Reason

START = 1_780_000_000


@pytest.fixture(scope="module")
def setup():
    meter = SimulatedMeter(seed=5, start_utc=START)
    frame, _ = meter.frame_at(START)
    return meter, Reference(frame, meter.geometry.digit_boxes)


def test_a_defocused_frame_is_rejected_as_blurred(setup):
    meter, reference = setup
    blurred = SimulatedMeter(seed=5, start_utc=START, faults=FaultRates(blur=1.0))
    frame, truth = blurred.frame_at(START + 600)
    assert "blur" in truth.faults
    result = MeterReader(meter.geometry, reference=reference).read(frame)
    assert result.reason == Reason.BLURRED
    assert result.reading is None


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 0), (0.5, 60), (1.6, -20)])
def test_sharp_frames_are_read_whatever_their_contrast(setup, alpha, beta):
    meter, reference = setup
    frame, truth = meter.frame_at(START + 600)
    frame = cv2.convertScaleAbs(frame, alpha=alpha, beta=beta)
    result = MeterReader(meter.geometry, reference=reference).read(frame)
    assert result.reason != Reason.BLURRED
    assert result.reading == truth.reading


def test_focus_drops_with_defocus_not_with_contrast(setup):
    meter, _ = setup
    frame, _ = meter.frame_at(START)
    box = meter.geometry.digit_boxes[2]
    crop = frame[box.y : box.y + box.h, box.x : box.x + box.w]
    sharp = crop_focus(crop)
    assert crop_focus(cv2.GaussianBlur(crop, (0, 0), 4)) < MIN_FOCUS_RATIO * sharp
    assert crop_focus(cv2.convertScaleAbs(crop, alpha=0.5, beta=50)) > 0.9 * sharp
