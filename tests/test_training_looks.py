"""Training data for the generic digit model: meter looks, reflection bands, the meter split.

These run without torch: only the data side of `training/` is imported.
"""

from __future__ import annotations

import numpy as np
import pytest

from stromzaehler.simulator.render import Renderer, RenderOptions
from training import data as D
from training.augment import reflection_band
from training.looks import MIN_PAINT_CONTRAST, _contrast, random_look, random_paints
from training.per_meter import MeterScore, score


def test_random_paints_are_readable_under_their_light() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        light, roller, digit = random_paints(rng)
        assert _contrast(np.array(digit), np.array(roller), light) >= MIN_PAINT_CONTRAST
        if light == "red":
            # Under the red LED only the red channel carries the digit.
            assert abs(digit[2] - roller[2]) >= MIN_PAINT_CONTRAST


def test_random_looks_cover_both_polarities() -> None:
    rng = np.random.default_rng(3)
    looks = [random_look(rng, font_variety=0.5, paint_variety=1.0) for _ in range(200)]
    light_digits = sum(sum(o.digit_bgr) > sum(o.roller_bgr) for o in looks)
    assert 20 < light_digits < 180
    assert {o.font for o in looks} == {"din", "square"}


def test_paint_variety_zero_draws_the_earlier_looks() -> None:
    a = [random_look(np.random.default_rng(11), 0.5, 0.0) for _ in range(5)]
    assert all(o.roller_bgr is None and o.digit_bgr is None for o in a)


def test_renderer_paints_red_digits_on_a_white_roller() -> None:
    options = RenderOptions(
        light="white", roller_bgr=(0.88, 0.88, 0.88), digit_bgr=(0.10, 0.08, 0.80), glare=False
    )
    renderer = Renderer(options)
    albedo = renderer.albedo([0.0] * 7, 90.0)
    box = renderer.boxes[3]
    crop = albedo[box.y : box.y + box.h, box.x : box.x + box.w].reshape(-1, 3)
    blue_minus_red = crop[:, 0] - crop[:, 2]
    # The roller is white (channels equal); the digit's pixels have far less blue than red.
    assert (np.abs(blue_minus_red) < 0.05).mean() > 0.2
    assert (blue_minus_red < -0.4).mean() > 0.1


def test_reflection_band_brightens_the_lower_half() -> None:
    rng = np.random.default_rng(0)
    img = np.full((D.STORE_H, D.STORE_W, 3), 60, np.uint8)
    lower_gain, upper_gain = 0.0, 0.0
    for _ in range(50):
        out = reflection_band(img, rng)
        assert out.shape == img.shape and out.dtype == np.uint8
        lower_gain += float(out[D.STORE_H // 2 :].mean()) - 60.0
        upper_gain += float(out[: D.STORE_H // 4].mean()) - 60.0
    assert lower_gain > 10 * max(upper_gain, 1.0)


def test_meters_of_a_mixed_collection_are_told_apart_by_crop_size() -> None:
    row = {"collection": "mixed/collected_new", "width": "27", "height": "49"}
    assert D.meter_of(row) == "mixed/collected_new@27x49"
    assert D.meter_of({"collection": "powermeter/ISKRA_T3F-01S1"}) == "powermeter/ISKRA_T3F-01S1"
    assert D._named("mixed/collected_new@27x49", ("mixed/collected_new",))
    assert not D._named("mixed/collected_new@27x49", ("mixed/collected_new@24x43",))


def test_splits_are_disjoint_and_left_out_of_training() -> None:
    splits = [
        D.CALIBRATION_COLLECTIONS,
        D.SELECTION_COLLECTIONS,
        D.TEST_COLLECTIONS,
        D.OLD_TEST_COLLECTIONS,
    ]
    names = [n for split in splits for n in split]
    assert len(names) == len(set(names))
    for name in D.TEST_COLLECTIONS + D.CALIBRATION_COLLECTIONS + D.OLD_TEST_COLLECTIONS:
        assert D._named(name, D.HELD_OUT_COLLECTIONS)


def test_test_meters_never_enter_training() -> None:
    if not (D.DEFAULT_DIGITS_DIR / "labels.csv").exists():
        pytest.skip(f"../shared/data/digits not found: {D.DEFAULT_DIGITS_DIR}")
    train = D.load_real(D.DEFAULT_DIGITS_DIR, None, exclude=D.HELD_OUT_COLLECTIONS)
    test = D.load_real(D.DEFAULT_DIGITS_DIR, D.TEST_COLLECTIONS)
    assert len(test) > 0
    assert not set(train.files) & set(test.files)
    assert set(test.collections) == set(D.TEST_COLLECTIONS)


def test_per_meter_score_counts_every_labelled_crop_once() -> None:
    class Fixed:
        def read(self, crops: list[np.ndarray]) -> list[object]:
            from stromzaehler.recognition.digits import DigitReading

            answers = [("3", 3.0), (None, 5.5), ("7", 7.1), ("1", 1.0)]
            return [DigitReading(d, v, 0.9) for d, v in answers[: len(crops)]]

    crops = D.CropSet(
        images=[np.zeros((2, 2, 3), np.uint8)] * 4,
        kinds=[D.KIND_VALUE, D.KIND_VALUE, D.KIND_MASK, D.KIND_VALUE],
        values=[3.0, 5.0, float("nan"), 4.0],
        labels=["3", "5", "7", "4"],
        collections=["m"] * 4,
        files=["a", "b", "c", "d"],
        originals=[np.zeros((2, 2, 3), np.uint8)] * 4,
    )
    s = score(Fixed(), crops, "m")  # type: ignore[arg-type]
    assert (s.n, s.right, s.wrong, s.rejected) == (4, 2, 1, 1)
    assert s.n_known == 3 and s.gross == 1  # 1.0 read for 4.0 is 3 digits off
    assert s.mae == pytest.approx((0.0 + 0.5 + 3.0) / 3)
    pooled = s + MeterScore("x", 1, 1, 0, 0, 0, 0.0, 0)
    assert pooled.n == 5 and pooled.accepted == 4
