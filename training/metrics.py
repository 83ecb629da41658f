"""Digit-level metrics shared by training and the evaluation script."""

from __future__ import annotations

import itertools

import numpy as np


def circular_error(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    d = np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64)) % 10.0
    return np.minimum(d, 10.0 - d)


def zone_of(values: np.ndarray) -> np.ndarray:
    """0..19: even = digit zone of d (2d), odd = transition d -> d+1 (2d+1)."""
    return np.floor((np.asarray(values) * 10.0 + 2.5) / 5.0).astype(int) % 20


def digit_metrics(digits: list[str | None], labels: list[str]) -> dict[str, float]:
    """Accuracy, reject rate and wrong-among-accepted on the crops labelled 0..9."""
    pairs = [(d, lab) for d, lab in zip(digits, labels, strict=True) if lab != "N"]
    n = len(pairs)
    if n == 0:
        return {"n": 0, "accuracy": float("nan"), "reject": float("nan"), "wrong_acc": float("nan")}
    right = sum(1 for d, lab in pairs if d == lab)
    rejected = sum(1 for d, _ in pairs if d is None)
    accepted = n - rejected
    wrong = accepted - right
    return {
        "n": n,
        "accuracy": right / n,
        "reject": rejected / n,
        "wrong_acc": wrong / accepted if accepted else 0.0,
    }


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    conf = np.asarray(conf, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs(conf[sel].mean() - correct[sel].mean())
    return float(ece)
