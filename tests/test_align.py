"""Frame alignment: recover shift, rotation and scale against the set-up reference."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box
from stromzaehler.recognition.align import (
    Reference,
    box_in_view,
    crop_aligned,
    load_reference,
    save_reference,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_PNG = SHARED / "reference" / "meter-0995160.png"
REFERENCE_BOXES = [Box(*box) for box in REFERENCE_DIGIT_BOXES]


def synthetic_frame() -> tuple[np.ndarray, list[Box]]:
    """A dark counter window with light digits on a reddish plate, like the real meter."""
    frame = np.full((480, 640, 3), (40, 40, 170), np.uint8)
    cv2.rectangle(frame, (0, 150), (639, 265), (15, 10, 40), -1)
    cv2.rectangle(frame, (0, 110), (550, 135), (20, 15, 50), -1)
    boxes = []
    for i, digit in enumerate("0995160"):
        x = 20 + 92 * i
        cv2.putText(frame, digit, (x + 2, 240), cv2.FONT_HERSHEY_SIMPLEX, 2.6, (90, 110, 250), 6)
        boxes.append(Box(x, 166, 46, 84))
    cv2.circle(frame, (250, 92), 8, (255, 255, 255), -1)
    return frame, boxes


def reference_frame() -> tuple[np.ndarray, list[Box]]:
    if not REFERENCE_PNG.exists():
        pytest.skip(f"../shared/reference not found: {REFERENCE_PNG}")
    return cv2.imread(str(REFERENCE_PNG)), REFERENCE_BOXES


FRAMES = {"synthetic": synthetic_frame, "reference": reference_frame}


def moved(frame: np.ndarray, dx: float, dy: float, angle_deg: float, scale: float):
    matrix = cv2.getRotationMatrix2D((320, 240), angle_deg, scale)
    matrix[:, 2] += (dx, dy)
    warped = cv2.warpAffine(frame, matrix, (640, 480), borderMode=cv2.BORDER_REPLICATE)
    return warped, matrix


def box_centres(boxes: list[Box]) -> np.ndarray:
    return np.array([[b.x + b.w / 2, b.y + b.h / 2, 1.0] for b in boxes]).T


@pytest.mark.parametrize("kind", FRAMES)
@pytest.mark.parametrize(
    ("dx", "dy", "angle_deg", "scale"),
    [
        (0, 0, 0, 1.0),
        (15, 0, 2, 1.0),
        (-20, 20, -3, 1.0),
        (20, -20, 3, 1.0),
        (-20, -15, 1.5, 1.05),
        (12, 8, -2.5, 0.95),
    ],
)
def test_recovers_the_camera_movement(kind, dx, dy, angle_deg, scale) -> None:
    frame, boxes = FRAMES[kind]()
    reference = Reference(frame, boxes)
    warped, truth = moved(frame, dx, dy, angle_deg, scale)
    alignment = reference.register(warped)
    assert alignment.ok, alignment
    assert alignment.matrix is not None
    error_px = np.abs(alignment.matrix @ box_centres(boxes) - truth @ box_centres(boxes)).max()
    assert error_px < 1.5
    assert alignment.scale == pytest.approx(scale, abs=0.01)
    # getRotationMatrix2D turns counter-clockwise on screen, a negative angle with y down.
    assert alignment.angle_deg == pytest.approx(-angle_deg, abs=0.2)


@pytest.mark.parametrize("kind", FRAMES)
def test_aligned_crops_match_the_reference_crops(kind) -> None:
    frame, boxes = FRAMES[kind]()
    reference = Reference(frame, boxes)
    warped, _ = moved(frame, 15, 0, 2, 1.0)
    alignment = reference.register(warped)
    for box in boxes:
        original = crop_aligned(frame, box, None).astype(np.float32)
        recovered = crop_aligned(warped, box, alignment.matrix).astype(np.float32)
        assert recovered.shape == original.shape
        # Resampling blurs a little; a crop off by a few pixels would differ far more.
        assert np.abs(recovered - original).mean() < 12


@pytest.mark.parametrize(
    "other",
    [
        np.zeros((480, 640, 3), np.uint8),
        np.full((480, 640, 3), 128, np.uint8),
        np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8),
    ],
    ids=["black", "grey", "noise"],
)
def test_a_frame_without_the_counter_is_not_aligned(other: np.ndarray) -> None:
    frame, boxes = synthetic_frame()
    alignment = Reference(frame, boxes).register(other)
    assert not alignment.ok
    assert alignment.matrix is None


def test_covered_counter_is_not_aligned() -> None:
    frame, boxes = synthetic_frame()
    covered = frame.copy()
    cv2.rectangle(covered, (0, 100), (639, 300), (60, 60, 60), -1)
    assert not Reference(frame, boxes).register(covered).ok


def test_map_box_follows_the_shift() -> None:
    frame, boxes = synthetic_frame()
    warped, _ = moved(frame, 15, -10, 0, 1.0)
    alignment = Reference(frame, boxes).register(warped)
    mapped = alignment.map_box(boxes[0])
    assert abs(mapped.x - (boxes[0].x + 15)) <= 1
    assert abs(mapped.y - (boxes[0].y - 10)) <= 1
    assert (mapped.w, mapped.h) == (boxes[0].w, boxes[0].h)


def test_crop_outside_the_frame_repeats_the_border() -> None:
    frame, _ = synthetic_frame()
    crop = crop_aligned(frame, Box(620, 470, 46, 84), None)
    assert crop.shape == (84, 46, 3)


def test_reference_round_trip(tmp_path: Path) -> None:
    frame, boxes = synthetic_frame()
    path = tmp_path / "data" / "reference.png"
    save_reference(path, frame)
    reference = load_reference(path, boxes)
    warped, _ = moved(frame, 10, 5, 1, 1.0)
    assert reference.register(warped).ok


def test_missing_reference_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="could not read"):
        load_reference(tmp_path / "nope.png", [Box(0, 0, 10, 10)])


def test_reference_without_contrast_is_refused() -> None:
    with pytest.raises(ValueError, match="contrast"):
        Reference(np.full((480, 640, 3), 90, np.uint8), [Box(20, 166, 46, 84)])


def test_hint_from_an_earlier_frame_extends_the_reach() -> None:
    """Knocks add up: 45 px is beyond the search range, but not from where the camera was."""
    frame, boxes = synthetic_frame()
    reference = Reference(frame, boxes)
    earlier, _ = moved(frame, 30, 20, 2.0, 1.0)
    hint = reference.register(earlier).matrix
    assert hint is not None
    now, truth = moved(frame, 45, 30, 3.0, 1.0)
    assert not reference.register(now).ok
    alignment = reference.register(now, hint=hint)
    assert alignment.ok
    error_px = np.abs(alignment.matrix @ box_centres(boxes) - truth @ box_centres(boxes)).max()
    assert error_px < 1.5


def test_a_counter_band_partly_out_of_the_picture_registers_from_the_hint() -> None:
    """Brought back through the hint, the part of the band the camera no longer sees is
    black; it must not count as a mismatch (unmasked: correlation 0.92, 0.6 px off)."""
    frame, boxes = synthetic_frame()
    reference = Reference(frame, boxes)
    hint = reference.register(moved(frame, -25, 0, 1.0, 1.0)[0]).matrix
    now, truth = moved(frame, -45, 0, 2.0, 1.0)  # the first box 25 px beyond the left edge
    alignment = reference.register(now, hint=hint)
    assert alignment.ok and alignment.correlation > 0.97
    error_px = np.abs(alignment.matrix @ box_centres(boxes) - truth @ box_centres(boxes)).max()
    assert error_px < 0.3


def test_a_wrong_hint_falls_back_to_the_reference_position() -> None:
    frame, boxes = synthetic_frame()
    reference = Reference(frame, boxes)
    far_away = np.array([[1.0, 0.0, 200.0], [0.0, 1.0, 150.0]])
    now, truth = moved(frame, 10, -5, 1.0, 1.0)
    alignment = reference.register(now, hint=far_away)
    assert alignment.ok
    error_px = np.abs(alignment.matrix @ box_centres(boxes) - truth @ box_centres(boxes)).max()
    assert error_px < 1.5


@pytest.mark.parametrize(
    ("box", "in_view"),
    [
        (Box(0, 0, 46, 84), True),
        (Box(-6, 100, 46, 84), True),  # drawn a little past the edge: room around the digit
        (Box(-23, 100, 46, 84), False),  # half the roller is outside
        (Box(620, 100, 46, 84), False),
        (Box(300, 440, 46, 84), False),
    ],
)
def test_box_in_view_allows_a_little_slack(box: Box, in_view: bool) -> None:
    assert box_in_view((480, 640, 3), box, None) is in_view


def test_a_bumped_camera_that_cuts_off_a_roller_is_not_read() -> None:
    """Half a 0 at the frame's edge looks like a 1: such a frame must not be read."""
    from stromzaehler.config import MeterGeometry
    from stromzaehler.recognition.reading import MeterReader

    frame, boxes = synthetic_frame()
    reader = MeterReader(
        MeterGeometry(tuple(boxes)), model=object(), reference=Reference(frame, boxes)
    )  # type: ignore[arg-type]
    bumped, _ = moved(frame, -35, 0, 0, 1.0)  # the first box a third outside
    reading = reader.read(bumped)  # no previous reading to carry the first roller over from
    assert reading.alignment is not None and reading.alignment.ok
    assert (reading.reading, reading.reason) == (None, "out_of_view")
