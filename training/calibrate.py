"""Fit the confidence temperature and threshold of an exported model on the calibration set.

    .venv/bin/python -m training.calibrate [--model PATH]

Runs the model exactly as the runtime does (cv2.dnn on the original crops), fits the
temperature that minimises the negative log-likelihood of the true zone (digit or
transition, see recognition/digits.py), picks the confidence threshold, and rewrites the
JSON beside the model. Prints the expected calibration error on the calibration and on the
test collections (the latter is only reported, never fitted).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from stromzaehler.recognition.digits import (
    BINS_PER_DIGIT,
    DEFAULT_MODEL_PATH,
    N_BINS,
    DigitModel,
    answer_windows,
    decode_probs,
    name_digits,
    softmax,
    window_mass,
)
from training import data as D
from training.metrics import digit_metrics, expected_calibration_error, zone_of

# The threshold never goes below this, whatever the calibration set says: the calibration
# collections are small and a wrong digit costs far more than a rejected frame.
MIN_THRESHOLD = 0.5
MAX_WRONG_ACCEPTED = 0.003
# Views the runtime averages (see digits.crop_view).
DEFAULT_VIEWS = ("full", "tight", "narrow")


def true_zones(s: D.CropSet) -> tuple[list[int], np.ndarray]:
    """Indices of crops whose zone is known, and that zone (0..19)."""
    keep, zones = [], []
    for i, (kind, value, label) in enumerate(zip(s.kinds, s.values, s.labels, strict=True)):
        if kind == D.KIND_VALUE:
            zones.append(int(zone_of(np.array([value]))[0]))
        elif label != "N":
            zones.append(2 * int(label))
        else:
            continue
        keep.append(i)
    return keep, np.array(zones)


def averaged(view_logits: np.ndarray, temperature: float) -> np.ndarray:
    """(views, N, 100) logits -> (N, 100) probabilities, as DigitModel.probabilities does."""
    return softmax(view_logits, temperature).mean(axis=0)


def zone_nll(view_logits: np.ndarray, zones: np.ndarray, temperature: float) -> float:
    p = averaged(view_logits, temperature)
    zone_mass = np.roll(p, 2, axis=1).reshape(len(p), 20, 5).sum(axis=2)
    return float(-np.log(np.maximum(zone_mass[np.arange(len(p)), zones], 1e-12)).mean())


def fit_temperature(view_logits: np.ndarray, s: D.CropSet) -> float:
    keep, zones = true_zones(s)
    grid = np.exp(np.linspace(math.log(0.1), math.log(5.0), 80))
    return float(min(grid, key=lambda t: zone_nll(view_logits[:, keep], zones, float(t))))


def label_bins(s: D.CropSet, keep: list[int]) -> np.ndarray:
    """One-hot (N, 100) at each kept crop's labelled tenth (the digit itself for integer-only
    labels)."""
    bins = np.zeros((len(keep), N_BINS))
    for row, i in enumerate(keep):
        position = s.values[i] if s.kinds[i] == D.KIND_VALUE else float(s.labels[i])
        bins[row, round(position * BINS_PER_DIGIT) % N_BINS] = 1.0
    return bins


def calibration_error(view_logits: np.ndarray, s: D.CropSet, temperature: float) -> float:
    """ECE of the answers' confidences. An answer counts as right by the share of the labelled
    tenth inside its window (a crop labelled 3.3 lies in 3.25-3.35, so "3" is half right),
    the same rule the runtime's confidences use for the bins."""
    keep, _ = true_zones(s)
    values, conf = decode_probs(averaged(view_logits[:, keep], temperature))
    right = window_mass(label_bins(s, keep), *answer_windows(values))
    return expected_calibration_error(conf, right)


def pick_threshold(view_logits: np.ndarray, s: D.CropSet, temperature: float) -> float:
    """Lowest threshold >= MIN_THRESHOLD with at most 0.3 % wrong among accepted 0-9 crops."""
    values, conf = decode_probs(averaged(view_logits, temperature))
    for t in np.arange(MIN_THRESHOLD, 0.951, 0.05):
        m = digit_metrics(name_digits(values, conf, float(t)), s.labels)
        if m["wrong_acc"] <= MAX_WRONG_ACCEPTED:
            return round(float(t), 2)
    return 0.95


def calibrate(
    model_path: Path, digits_dir: Path, views: tuple[str, ...] = DEFAULT_VIEWS
) -> dict[str, object]:
    """Fit temperature and threshold, update the model's JSON, return what was fitted."""
    model = DigitModel.load(model_path)
    model.views = views
    calib = D.load_real(digits_dir, D.CALIBRATION_COLLECTIONS)
    test = D.load_real(digits_dir, D.TEST_COLLECTIONS)
    calib_logits = model.view_logits(calib.originals)
    test_logits = model.view_logits(test.originals)
    temperature = fit_temperature(calib_logits, calib)
    fitted: dict[str, object] = {
        "views": list(views),
        "temperature": round(temperature, 3),
        "min_confidence": pick_threshold(calib_logits, calib, temperature),
        "calibration_ece": round(calibration_error(calib_logits, calib, temperature), 4),
        "test_ece": round(calibration_error(test_logits, test, temperature), 4),
        "test_ece_uncalibrated": round(calibration_error(test_logits, test, 1.0), 4),
    }
    meta_path = model_path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta.update(fitted)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return fitted


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    p.add_argument("--digits-dir", type=Path, default=D.DEFAULT_DIGITS_DIR)
    p.add_argument("--views", default=",".join(DEFAULT_VIEWS), help="e.g. full,tight")
    args = p.parse_args(argv)
    views = tuple(v for v in args.views.split(",") if v)
    print(json.dumps(calibrate(args.model, args.digits_dir, views)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
