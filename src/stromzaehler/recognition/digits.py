"""Digit model runtime: one roller crop in, roller position and calibrated confidence out.

The network (trained by `training/train.py`) sees a single-channel crop of INPUT_W x INPUT_H
pixels and predicts a distribution over 100 bins of the roller position (bin k = position
k/10, so 3.5 is half-way from 3 to 4). Everything here runs with Debian's OpenCV 4.6 and
NumPy 1.24 through `cv2.dnn`; no torch or onnxruntime at run time.

How `value`, `digit` and `confidence` relate:
- `value` is the circular mean of the distribution around its most likely bin.
- A value less than DIGIT_HALF_WIDTH (0.33) from a digit d is "at d"; any other value is
  "between" the two digits around it (3.33 to 3.67 lies between 3 and 4).
- `confidence` is the calibrated probability of that answer: the mass within 0.33 of d, or
  the mass of the half digit between the two digits (3.25 to 3.75). Every bin stands for
  its tenth of a digit, so a bin cut by a window's edge counts with the share inside.
- `digit` is str(d) when `value` is at d and `confidence` is at least `min_confidence`;
  otherwise None (between two digits, or unreadable).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

INPUT_W = 24
INPUT_H = 40
N_BINS = 100
BINS_PER_DIGIT = N_BINS // 10
# Standard deviations below this (in 0..255 grey levels) are treated as "no contrast", so a
# dark or blank crop stays flat instead of having its noise stretched to full contrast.
MIN_CONTRAST_STD = 12.0
# Bins on each side of the most likely bin that enter the circular mean of `value`.
VALUE_WINDOW_BINS = 5
# A roller is read as digit d while its position is less than this from d. The labels are
# tenths (x.0-x.2: digit x, x.3-x.7: between, x.8/x.9: the next digit). The cut sits a little
# beyond 0.3 because on meters it never saw the model reads positions 0.1-0.15 off (a roller
# labelled 0.8 read as 0.68): on the recipe-selection meters a cut at 0.33 instead of 0.3 read
# 1.2-1.7 points more crops right for 0-2 more wrong ones, 0.35 added 3-5 wrong ones
# (training/README.md, sixth session). A roller at 3.3 still shows mostly a 3.
DIGIT_HALF_WIDTH = 0.33
# Half the width of the "between two digits" answer: 3.25 to 3.75 for between 3 and 4.
BETWEEN_HALF_WIDTH = 0.25

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "digits.onnx"


@dataclass(frozen=True)
class DigitReading:
    digit: str | None  # "0".."9", None when between two digits / unreadable
    value: float  # roller position in [0, 10): 3.5 = half-way from 3 to 4
    confidence: float  # 0..1, calibrated


def to_single_channel(crop_bgr: np.ndarray) -> np.ndarray:
    """Resize a BGR crop to the model input and project it onto one contrast channel.

    The projection is the first principal component of the crop's colours: under the Pi's red
    LED only the red channel carries the digit, under daylight all channels do, and a red
    digit on a white roller lives in green and blue. PCA picks whatever axis holds the
    contrast. The sign is fixed so that the channel grows with brightness (polarity of the
    digit is left to the network, which is trained on both). Returns float32 (INPUT_H, INPUT_W)
    standardised to zero mean and unit contrast.
    """
    if crop_bgr.ndim == 2:
        crop_bgr = cv2.cvtColor(crop_bgr, cv2.COLOR_GRAY2BGR)
    small = cv2.resize(crop_bgr, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA)
    pixels = small.reshape(-1, 3).astype(np.float32)
    mean = pixels.mean(axis=0)
    centred = pixels - mean
    cov = centred.T @ centred / len(centred)
    _, eigvecs = np.linalg.eigh(cov)
    axis = eigvecs[:, -1]
    if axis.sum() < 0:
        axis = -axis
    projected = centred @ axis
    std = float(projected.std())
    scaled = projected / max(std, MIN_CONTRAST_STD)
    return scaled.reshape(INPUT_H, INPUT_W).astype(np.float32)


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    probs = np.exp(scaled)
    return probs / probs.sum(axis=-1, keepdims=True)


def window_mass(probs: np.ndarray, centres: np.ndarray, half_widths: np.ndarray) -> np.ndarray:
    """Per row of (N, 100) bin probabilities: the probability that the roller lies within
    half_width of centre (circularly). Bin k stands for the tenth [k/10 - 0.05, k/10 + 0.05)
    and counts with the share of that tenth inside the window."""
    positions = np.arange(N_BINS) / BINS_PER_DIGIT
    distance = np.abs((positions[None, :] - centres[:, None] + 5.0) % 10.0 - 5.0)
    inside = (half_widths[:, None] - distance) * BINS_PER_DIGIT + 0.5
    return (probs * np.clip(inside, 0.0, 1.0)).sum(axis=1)


def at_digit(values: np.ndarray, digit_half_width: float = DIGIT_HALF_WIDTH) -> np.ndarray:
    """Whether each position is close enough to its nearest digit to be read as that digit."""
    return np.abs(values - np.round(values)) < digit_half_width


def answer_windows(
    values: np.ndarray, digit_half_width: float = DIGIT_HALF_WIDTH
) -> tuple[np.ndarray, np.ndarray]:
    """(centres, half widths) of the window each position's answer names: the digit it is
    at, or the half digit between the two digits around it."""
    is_digit = at_digit(values, digit_half_width)
    centres = np.where(is_digit, np.round(values), np.floor(values) + 0.5)
    return centres, np.where(is_digit, digit_half_width, BETWEEN_HALF_WIDTH)


def decode_probs(
    probs: np.ndarray, digit_half_width: float = DIGIT_HALF_WIDTH
) -> tuple[np.ndarray, np.ndarray]:
    """Turn (N, 100) bin probabilities into (values, confidences of the answers)."""
    n = len(probs)
    top = probs.argmax(axis=1)
    offsets = np.arange(-VALUE_WINDOW_BINS, VALUE_WINDOW_BINS + 1)
    idx = (top[:, None] + offsets[None, :]) % N_BINS
    window = probs[np.arange(n)[:, None], idx]
    shift = (window * offsets[None, :]).sum(axis=1) / np.maximum(window.sum(axis=1), 1e-12)
    values = ((top + shift) / BINS_PER_DIGIT) % 10.0
    # A position a hair below 0 wraps to exactly 10.0 in floating point; the contract is [0, 10).
    values[values >= 10.0] = 0.0
    return values, window_mass(probs, *answer_windows(values, digit_half_width))


def name_digits(
    values: np.ndarray,
    confidences: np.ndarray,
    min_confidence: float,
    digit_half_width: float = DIGIT_HALF_WIDTH,
) -> list[str | None]:
    """The digit each position is read as, None when between two digits or not confident."""
    is_digit = at_digit(values, digit_half_width)
    return [
        str(round(float(v)) % 10) if ok and c >= min_confidence else None
        for v, c, ok in zip(values, confidences, is_digit, strict=True)
    ]


def decode_bins(logits: np.ndarray, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn (N, 100) logits into (values, confidences) after temperature scaling."""
    return decode_probs(softmax(logits, temperature))


# Share cut off at (left/right, top/bottom) for each view of a crop.
CROP_VIEW_MARGINS = {"full": (0.0, 0.0), "tight": (0.06, 0.04), "narrow": (0.12, 0.0)}
CROP_VIEWS = tuple(CROP_VIEW_MARGINS)


def crop_view(crop: np.ndarray, view: str) -> np.ndarray:
    """`full`: the crop as given; `tight`: 6 % off left/right and 4 % off top/bottom;
    `narrow`: 12 % off left/right.

    Reading several views and averaging their distributions makes a digit that only one view
    sees confidently (a box edge cutting a neighbour, a stray line) less confident. Cropping
    symmetrically keeps the centre, so the roller position is the same in every view.
    """
    if view not in CROP_VIEW_MARGINS:
        raise ValueError(f"unknown crop view {view!r}")
    if view == "full":
        return crop
    share_x, share_y = CROP_VIEW_MARGINS[view]
    h, w = crop.shape[:2]
    dx = max(1, round(share_x * w)) if share_x else 0
    dy = max(1, round(share_y * h)) if share_y else 0
    return crop[dy : h - dy, dx : w - dx]


class DigitModel:
    """The packaged digit CNN, run through OpenCV's dnn module."""

    def __init__(
        self,
        net: cv2.dnn.Net,
        temperature: float,
        min_confidence: float,
        views: Sequence[str] = ("full",),
    ) -> None:
        self._net = net
        self.temperature = temperature
        self.min_confidence = min_confidence
        self.views = tuple(views)

    @property
    def net(self) -> cv2.dnn.Net:
        """The OpenCV network (the per-meter adaptation also reads its features)."""
        return self._net

    @classmethod
    def load(cls, path: Path | None = None) -> DigitModel:
        """Load the ONNX model (default: the packaged one) and its JSON metadata beside it."""
        model_path = Path(path) if path is not None else DEFAULT_MODEL_PATH
        meta_path = model_path.with_suffix(".json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if meta.get("head", "bins100") != "bins100":
            raise ValueError(f"{model_path}: unsupported head {meta.get('head')!r}")
        if (meta.get("input_w", INPUT_W), meta.get("input_h", INPUT_H)) != (INPUT_W, INPUT_H):
            raise ValueError(f"{model_path}: input size differs from the runtime's")
        views = tuple(meta.get("views", ["full"]))
        unknown = [v for v in views if v not in CROP_VIEWS]
        if not views or unknown:
            raise ValueError(f"{model_path}: bad crop views {views!r}")
        net = cv2.dnn.readNetFromONNX(str(model_path))
        return cls(
            net,
            temperature=float(meta.get("temperature", 1.0)),
            min_confidence=float(meta.get("min_confidence", 0.5)),
            views=views,
        )

    def logits(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Raw (N, 100) network outputs for BGR uint8 crops of any size."""
        if len(crops) == 0:
            return np.zeros((0, N_BINS), dtype=np.float32)
        planes = [to_single_channel(c) for c in crops]
        blob = cv2.dnn.blobFromImages(planes)
        self._net.setInput(blob)
        return np.asarray(self._net.forward(), dtype=np.float32).reshape(len(crops), N_BINS)

    def view_logits(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(views, N, 100) outputs, all views of all crops in one forward pass."""
        batch = [crop_view(c, v) for v in self.views for c in crops]
        return self.logits(batch).reshape(len(self.views), len(crops), N_BINS)

    def probabilities(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(N, 100) calibrated bin probabilities, averaged over the views."""
        return softmax(self.view_logits(crops), self.temperature).mean(axis=0)

    def read(self, crops: Sequence[np.ndarray]) -> list[DigitReading]:
        """Read a batch of BGR uint8 crops (any size), one DigitReading per crop."""
        values, confidences = decode_probs(self.probabilities(crops))
        digits = name_digits(values, confidences, self.min_confidence)
        return [
            DigitReading(digit=d, value=float(v), confidence=float(c))
            for d, v, c in zip(digits, values, confidences, strict=True)
        ]
