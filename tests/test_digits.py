"""The packaged digit model through cv2.dnn: loading, output contract, reference frame."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.config import REFERENCE_DIGIT_BOXES
from stromzaehler.recognition.digits import (
    DEFAULT_MODEL_PATH,
    DIGIT_HALF_WIDTH,
    INPUT_H,
    INPUT_W,
    N_BINS,
    DigitModel,
    DigitReading,
    crop_view,
    decode_bins,
    decode_probs,
    name_digits,
    to_single_channel,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference" / "meter-0995160.png"
REFERENCE_BOXES = [(x, y) for x, y, _, _ in REFERENCE_DIGIT_BOXES]
REFERENCE_READING = "0995160"


@pytest.fixture(scope="module")
def model() -> DigitModel:
    return DigitModel.load()


def reference_crops(margin: int = 0) -> list[np.ndarray]:
    if not REFERENCE.exists():
        pytest.skip(f"../shared/reference/meter-0995160.png not found: {REFERENCE}")
    frame = cv2.imread(str(REFERENCE), cv2.IMREAD_COLOR)
    return [
        frame[y - margin : y + 84 + margin, x - margin : x + 46 + margin]
        for x, y in REFERENCE_BOXES
    ]


def test_packaged_model_is_a_single_small_onnx_file() -> None:
    assert DEFAULT_MODEL_PATH.exists()
    assert DEFAULT_MODEL_PATH.stat().st_size <= 1_000_000
    assert DEFAULT_MODEL_PATH.with_suffix(".json").exists()


def test_logits_have_one_row_of_100_bins_per_crop(model: DigitModel) -> None:
    crops = [np.full((84, 46, 3), 128, np.uint8), np.zeros((30, 17, 3), np.uint8)]
    assert model.logits(crops).shape == (2, N_BINS)
    assert model.logits([]).shape == (0, N_BINS)


def test_read_returns_values_in_range_and_confidences_in_unit_interval(model: DigitModel) -> None:
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in [(44, 24), (84, 46)]]
    crops.append(rng.integers(0, 256, size=(60, 30), dtype=np.uint8))  # greyscale input
    readings = model.read(crops)
    assert len(readings) == 3
    for r in readings:
        assert isinstance(r, DigitReading)
        assert 0.0 <= r.value < 10.0
        assert 0.0 <= r.confidence <= 1.0
        assert r.digit is None or r.digit in "0123456789"
    assert model.read([]) == []


def test_digit_is_the_nearest_integer_only_inside_its_zone(model: DigitModel) -> None:
    crops = reference_crops() + reference_crops(margin=6)
    for r in model.read(crops):
        if r.digit is not None:
            nearest = round(r.value)
            assert r.digit == str(nearest % 10)
            assert abs(r.value - nearest) < DIGIT_HALF_WIDTH
            assert r.confidence >= model.min_confidence


def test_reads_the_reference_frame_at_the_documented_boxes(model: DigitModel) -> None:
    readings = model.read(reference_crops())
    assert "".join(r.digit or "?" for r in readings) == REFERENCE_READING


@pytest.mark.parametrize("margin_px", [5, 10])
def test_reads_the_reference_frame_with_enlarged_boxes(model: DigitModel, margin_px: int) -> None:
    readings = model.read(reference_crops(margin=margin_px))
    assert "".join(r.digit or "?" for r in readings) == REFERENCE_READING


def test_positions_stay_below_ten_when_a_roller_sits_just_below_zero() -> None:
    logits = np.full((1, N_BINS), -40.0, np.float32)
    logits[0, 0] = 20.0
    logits[0, 99] = -20.0  # pulls the circular mean a hair (~1e-18) below 0.0
    values, _ = decode_bins(logits, temperature=1.0)
    assert 0.0 <= values[0] < 10.0
    assert min(values[0], 10.0 - values[0]) < 1e-6


@pytest.mark.parametrize("level", [0, 3, 255])
def test_a_blank_crop_gives_no_digit_and_low_confidence(model: DigitModel, level: int) -> None:
    rng = np.random.default_rng(level)
    crop = np.full((84, 46, 3), level, np.float32) + rng.normal(0, 2.0, size=(84, 46, 3))
    reading = model.read([np.clip(crop, 0, 255).astype(np.uint8)])[0]
    assert reading.digit is None
    assert reading.confidence < model.min_confidence


def test_single_channel_ignores_which_colour_carries_the_contrast() -> None:
    rng = np.random.default_rng(1)
    plane = rng.integers(0, 200, size=(84, 46), dtype=np.uint8)
    red = np.zeros((84, 46, 3), np.uint8)
    red[:, :, 2] = plane
    green = np.zeros((84, 46, 3), np.uint8)
    green[:, :, 1] = plane
    a, b = to_single_channel(red), to_single_channel(green)
    assert a.shape == (INPUT_H, INPUT_W)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_decode_bins_value_and_zone_confidence() -> None:
    logits = np.full((3, N_BINS), -20.0, np.float32)
    logits[0, 70] = 20.0  # all mass on 7.0
    logits[1, 35] = 20.0  # half-way from 3 to 4
    logits[2, 99] = 20.0  # 9.9: the zone of digit 0 wraps around
    logits[2, 1] = 20.0  # and 0.1
    values, confidences = decode_bins(logits, temperature=1.0)
    np.testing.assert_allclose(values[:2], [7.0, 3.5], atol=1e-6)
    assert 0.0 <= values[2] < 1e-6
    np.testing.assert_allclose(confidences, [1.0, 1.0, 1.0], atol=1e-6)


def one_hot_mix(weights: dict[int, float]) -> np.ndarray:
    probs = np.zeros((1, N_BINS))
    for k, w in weights.items():
        probs[0, k] = w
    return probs


@pytest.mark.parametrize(
    ("weights", "digit", "confidence"),
    [
        # 3.24: digit 3; the bin at 3.3 (3.25-3.35) counts with its 0.08 inside 3 +- 0.33
        ({32: 0.6, 33: 0.4}, "3", 0.92),
        ({32: 0.3, 33: 0.7}, "3", 0.86),  # 3.27 still shows mostly a 3
        ({33: 0.5, 34: 0.5}, None, 1.0),  # 3.35 is between 3 and 4 (3.25 to 3.75)
        ({97: 0.2, 98: 0.8}, "0", 0.96),  # 9.78 reads as the 0 coming into view
    ],
)
def test_a_digit_is_read_within_its_half_width_with_the_mass_of_that_window(
    weights: dict[int, float], digit: str | None, confidence: float
) -> None:
    values, confidences = decode_probs(one_hot_mix(weights))
    assert confidences[0] == pytest.approx(confidence)
    assert name_digits(values, confidences, min_confidence=0.5) == [digit]


def test_an_unsure_digit_is_not_named() -> None:
    values, confidences = decode_probs(one_hot_mix({30: 0.45, 35: 0.3, 40: 0.25}))
    assert round(float(values[0])) == 3
    assert confidences[0] == pytest.approx(0.45)
    assert name_digits(values, confidences, min_confidence=0.5) == [None]


@pytest.mark.parametrize(("view", "shape"), [("tight", (78, 40)), ("narrow", (84, 34))])
def test_views_are_centred_so_the_roller_position_is_unchanged(view: str, shape) -> None:
    crop = np.zeros((84, 46, 3), np.uint8)
    crop[40:44, 20:26] = 255  # a mark at the centre
    cut = crop_view(crop, view)
    assert cut.shape[:2] == shape
    ys = np.nonzero(cut[:, :, 0])[0]
    assert (ys.min() + ys.max()) / 2 == pytest.approx((cut.shape[0] - 1) / 2, abs=0.5)
    xs = np.nonzero(cut[:, :, 0])[1]
    assert (xs.min() + xs.max()) / 2 == pytest.approx((cut.shape[1] - 1) / 2, abs=0.5)


def test_full_view_and_unknown_views() -> None:
    crop = np.zeros((84, 46, 3), np.uint8)
    assert crop_view(crop, "full") is crop
    with pytest.raises(ValueError):
        crop_view(crop, "sideways")


def test_load_rejects_metadata_with_an_unknown_crop_view(tmp_path: Path) -> None:
    model_path = tmp_path / "digits.onnx"
    model_path.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    model_path.with_suffix(".json").write_text('{"views": ["full", "sideways"]}')
    with pytest.raises(ValueError, match="views"):
        DigitModel.load(model_path)
