"""Nothing wrong is accepted on a frame the reader cannot place (issue 14, item 3).

The case: the owner's meter with the camera 6 % closer than the default boxes assume (the
reference frame scaled by 1.06 about its centre). Before, `read` accepted a wrong reading and
the service stored 129495.2 kWh (true 099516.0 here) minute after minute.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.capture.setup_confirmation import SETUP_UNCONFIRMED, SetupConfirmation
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box, MeterGeometry, load_settings
from stromzaehler.recognition.reading import MeterReader
from stromzaehler.sources import Frame
from stromzaehler.store import Store

START = 1_780_000_020
TRUE_WH = 99_516_000


def zoomed(reference: Path, scale: float = 1.06, seed: int = 0) -> np.ndarray:
    """The reference frame as a camera `scale` times closer would see it, with sensor noise
    (so that no two frames are the same pixels)."""
    image = cv2.imread(str(reference))
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 0, scale)
    moved = cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    noise = np.random.default_rng(seed).integers(0, 3, moved.shape, dtype=np.uint8)
    return cv2.add(moved, noise)


def default_geometry() -> MeterGeometry:
    return MeterGeometry(tuple(Box(*b) for b in REFERENCE_DIGIT_BOXES))


def test_read_without_reference_does_not_accept_the_zoomed_frame(reference_frame):
    reader = MeterReader(default_geometry())
    result = reader.read(zoomed(reference_frame))
    assert result.reason is not None, result
    # Not with the right reading as the prior either: it says nothing about this frame.
    again = reader.read(zoomed(reference_frame, seed=1), previous_wh=TRUE_WH)
    assert again.reason is not None, again


def _handler(tmp_path: Path) -> tuple[FrameHandler, Store]:
    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    store = Store.open(tmp_path)
    return FrameHandler.for_settings(store, settings), store


def test_the_service_stores_nothing_wrong_from_a_camera_that_moved_closer(
    tmp_path, reference_frame
):
    handler, store = _handler(tmp_path)
    SetupConfirmation(tmp_path).confirm(default_geometry(), "boxes")
    outcomes = [
        handler.handle(Frame(zoomed(reference_frame, seed=i), START + 60 * i, "files"))
        for i in range(6)
    ]
    assert {o.status for o in outcomes} == {"rejected"}, outcomes
    assert store.count_readings() == 0
    # With the true reading stored (the owner typed it), still nothing wrong gets in.
    store.add_reading(START + 400, TRUE_WH, 1.0, "manual")
    for i in range(7, 13):
        handler.handle(Frame(zoomed(reference_frame, seed=i), START + 60 * i, "files"))
    assert {r.counter_wh for r in store.readings(0, 2**31)} == {TRUE_WH}


def test_a_new_installation_stores_nothing_before_the_owner_confirms(tmp_path, reference_frame):
    handler, store = _handler(tmp_path)
    right = [zoomed(reference_frame, scale=1.0, seed=i) for i in range(8)]
    outcomes = [handler.handle(Frame(im, START + 60 * i, "files")) for i, im in enumerate(right)]
    # Frames that agree with each other prove nothing: the boxes might sit wrong.
    assert {o.reason for o in outcomes} == {SETUP_UNCONFIRMED}
    assert store.count_readings() == 0
    # Other boxes confirmed do not vouch for these.
    moved = MeterGeometry(
        tuple(Box(b.x + 4, b.y, b.w, b.h) for b in default_geometry().digit_boxes)
    )
    SetupConfirmation(tmp_path).confirm(moved, "boxes")
    assert handler.handle(Frame(right[0], START + 600, "files")).reason == SETUP_UNCONFIRMED
    # The owner saved these boxes on the Set-up page: the first readings are confirmed.
    SetupConfirmation(tmp_path).confirm(default_geometry(), "boxes")
    later = [handler.handle(Frame(right[i], START + 660 + 60 * i, "files")) for i in range(1, 5)]
    assert later[-1].status == "accepted", later
    assert {r.counter_wh for r in store.readings(0, 2**31)} == {TRUE_WH}


@pytest.mark.parametrize("how", ["boxes", "reading"])
def test_a_confirmation_is_kept_for_its_geometry_only(tmp_path, how):
    confirmation = SetupConfirmation(tmp_path)
    geometry = default_geometry()
    assert confirmation.confirmed_by(geometry) is None
    confirmation.confirm(geometry, how)
    assert SetupConfirmation(tmp_path).confirmed_by(geometry) == how  # survives a restart
    other = MeterGeometry(geometry.digit_boxes, decimals=2)
    assert confirmation.confirmed_by(other) is None
    assert confirmation.allows_first_reading(other, "simulated")
    assert not confirmation.allows_first_reading(other, "picamera")
    (tmp_path / "setup-confirmed.json").write_text("{not json")
    assert confirmation.confirmed_by(geometry) is None
