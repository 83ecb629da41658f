"""Adaptation to one meter: its samples as a second opinion, the profile file, --samples."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.capture.adaptation_store import AdaptationStore, summary
from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box, MeterGeometry
from stromzaehler.recognition.adapt import (
    AdaptedDigitModel,
    Sample,
    feature_layer,
    turning_explained,
    veto,
)
from stromzaehler.recognition.align import crop_aligned
from stromzaehler.recognition.digits import DigitModel
from stromzaehler.recognition.reading import MeterReader

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_PNG = SHARED / "reference" / "meter-0995160.png"
READING = "0995160"


@pytest.fixture(scope="module")
def model() -> DigitModel:
    return DigitModel.load()


@pytest.fixture(scope="module")
def reference_crops() -> list[np.ndarray]:
    if not REFERENCE_PNG.exists():
        pytest.skip(
            f"{REFERENCE_PNG} not found: the ../shared folder beside the repository is not here"
        )
    image = cv2.imread(str(REFERENCE_PNG))
    return [crop_aligned(image, Box(*b), None) for b in REFERENCE_DIGIT_BOXES]


def geometry() -> MeterGeometry:
    return MeterGeometry(tuple(Box(*b) for b in REFERENCE_DIGIT_BOXES))


def test_the_feature_layer_is_found_in_the_packaged_model(model):
    name = feature_layer(model.net)
    assert name in model.net.getLayerNames()


def test_samples_that_agree_keep_the_generic_reading(model, reference_crops):
    samples = [
        Sample(c, int(d), i) for i, (c, d) in enumerate(zip(reference_crops, READING, strict=True))
    ]
    adapted = AdaptedDigitModel(model, samples)
    generic = model.read(reference_crops)
    read = adapted.read(reference_crops)
    assert [r.digit for r in read] == [g.digit for g in generic] == list(READING)
    assert [r.value for r in read] == pytest.approx([g.value for g in generic], abs=1e-4)
    frame = cv2.imread(str(REFERENCE_PNG))
    assert MeterReader(geometry(), model=adapted).read(frame).reading == READING


def test_samples_that_say_another_digit_veto_the_generic_one(model, reference_crops):
    # This meter's "5" roller labelled as 3 and its "6" as 1, with the crops of other rollers
    # as the samples of 5 and 6: the second opinion disagrees with the generic model on
    # those two rollers, and the frame is not accepted.
    samples = [Sample(reference_crops[3], 3), Sample(reference_crops[6], 5)]
    samples += [Sample(reference_crops[5], 1), Sample(reference_crops[2], 6)]
    adapted = AdaptedDigitModel(model, samples)
    read = adapted.read(reference_crops)
    assert read[3].digit is None and read[5].digit is None
    assert read[3].confidence < 0.5
    assert read[0].digit == "0"  # no sample of 0: the generic answer stands
    frame = cv2.imread(str(REFERENCE_PNG))
    assert MeterReader(geometry(), model=adapted).read(frame).reason == "low_confidence"


def test_veto_needs_a_clear_margin():
    sims = np.full((3, 10), -np.inf, dtype=np.float32)
    sims[:, 3] = 0.80
    sims[:, 5] = [0.85, 0.95, 0.99]
    assert list(veto(["3", "3", None], sims, margin=0.1)) == [False, True, False]
    assert list(veto(["7", "7", "7"], sims, margin=0.1)) == [False, False, False]  # no 7 yet


def test_a_turning_roller_is_not_compared_with_the_samples():
    sims = np.full((3, 10), -np.inf, dtype=np.float32)
    sims[:, 3] = 0.80
    sims[:, 5] = 0.99  # the samples of 5 look closer every time
    vetoed = veto(["3", "3", "3"], sims, margin=0.1, values=[3.1, 2.85, 3.25])
    assert list(vetoed) == [True, True, False]


def test_an_unsure_answer_needs_the_samples_support():
    sims = np.full((4, 10), -np.inf, dtype=np.float32)
    sims[:, 3] = 0.80
    sims[:, 5] = 0.87  # closer than 3's samples, but by less than the sure margin of 0.1
    values, digits = [3.0, 3.0, 3.25, 3.25], ["3"] * 4
    vetoed = veto(digits, sims, margin=0.1, values=values, confidences=[0.95, 0.6, 0.95, 0.6])
    # sure and standing: kept; unsure and standing: the smaller margin vetoes it;
    # turning: no sample can vouch for it, so it stands on the generic confidence alone.
    assert list(vetoed) == [False, True, False, True]
    sims[:, 5] = 0.5  # the samples back the 3
    vetoed = veto(digits, sims, margin=0.1, values=values, confidences=[0.95, 0.6, 0.95, 0.6])
    assert list(vetoed) == [False, False, False, True]
    # As a frame's rollers, the last one turns all the time and its position makes the
    # reading: it keeps the generic answer.
    vetoed = veto(digits, sims, 0.1, values, confidences=[0.95, 0.6, 0.6, 0.6], frame_rollers=True)
    assert list(vetoed) == [False, False, True, False]


def test_a_frame_explains_the_last_roller_and_carries_as_turning():
    # The last roller always turns; an upper one while the roller below passes 9 -> 0
    # (up to 0.35 digit early or late): above 9.7, 8.7 and 0.3, not above 5.25, 1.0 or 8.5.
    values = [3.25, 9.7, 2.25, 8.7, 4.25, 0.3, 6.25, 5.25, 7.25, 1.0, 2.25, 8.5, 3.3]
    explained = [i for i in range(len(values)) if turning_explained(values, i)]
    assert explained == [0, 2, 4, 12]


def test_the_profile_is_bounded_versioned_and_survives_a_restart(tmp_path):
    crop = np.full((84, 46, 3), 128, np.uint8)
    store = AdaptationStore(tmp_path, max_per_digit_and_roller=2)
    store.add(geometry(), [Sample(crop, 5, 3)], "teach")
    store.add(geometry(), [Sample(crop, 5, 3)] * 3, "auto")
    store.add(geometry(), [Sample(crop, 6, 3)], "review")
    profile = AdaptationStore(tmp_path).load(geometry())
    assert len(profile) == 3  # two of digit 5 on roller 3, one of 6
    assert sorted(s.origin for s in profile if s.sample.label == 5) == ["auto", "teach"]
    assert summary(profile)["samples"] == 3 and summary(profile)["per_digit"]["5"] == 2
    assert profile[0].sample.crop.shape == (80, 48, 3)
    other = MeterGeometry(geometry().digit_boxes, decimals=2)
    assert store.load(other) == []  # new boxes, new profile
    store.reset()
    assert store.load(geometry()) == []
    (tmp_path / "adaptation.npz").write_bytes(b"not a profile")
    assert store.load(geometry()) == []


def test_digits_and_read_take_samples_from_a_csv(tmp_path, reference_crops, capsys):
    from tests.test_recognition_cli import run

    rows = ["file,label"]
    for i, (crop, digit) in enumerate(zip(reference_crops, READING, strict=True)):
        cv2.imwrite(str(tmp_path / f"c{i}.png"), crop)
        rows.append(f"c{i}.png,{digit}")
    (tmp_path / "samples.csv").write_text("\n".join(rows) + "\n")
    crop_path = tmp_path / "c3.png"
    assert (
        run(["digits", str(crop_path), "--samples", str(tmp_path / "samples.csv"), "--json"]) == 0
    )
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert set(record) == {"file", "digit", "value", "confidence"}
    assert record["digit"] == "5"
    code = run(["read", str(REFERENCE_PNG), "--samples", str(tmp_path / "samples.csv"), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["reading"] == READING
    (tmp_path / "bad.csv").write_text("file,label\nc0.png,x\n")
    assert run(["digits", str(crop_path), "--samples", str(tmp_path / "bad.csv")]) == 2
    assert "not a digit" in capsys.readouterr().err
    # N (between two digits) teaches no digit: skipped, and a file of only N has no samples.
    (tmp_path / "between.csv").write_text("file,label\nc0.png,N\n")
    assert run(["digits", str(crop_path), "--samples", str(tmp_path / "between.csv")]) == 2
    assert "no samples labelled 0-9" in capsys.readouterr().err
