"""Adaptation to one meter: this meter's own glyphs as a second opinion that must agree.

The generic model reads the crop as before. Beside its output the same forward pass returns
the network's features (the input of its last fully connected layer, found by layer type at
run time, so any retrained model of the same family works). Labelled crops of this meter
(`Sample`) give one feature vector each; a crop the generic model reads as digit d is kept as
d only if its features are not clearly closer to this meter's samples of another digit:

    best other digit's similarity - similarity to d's samples > VETO_MARGIN  ->  not read

Similarity is the cosine similarity to the nearest sample of a digit (nearest neighbour, not
the mean: a roller seen at x.0 and x.2 looks different). A crop the generic model is unsure of
(confidence below DOUBT_CONFIDENCE) needs more support: the veto's margin shrinks to
DOUBT_MARGIN. A roller still turning (more than SAMPLE_LIKE_OFFSET from its digit) resembles no
sample, so the samples cannot vouch for it: it keeps the generic answer when the generic model
is sure and is not read when it is unsure - unless the frame explains the turning: the last
roller turns all the time (the reading takes its position, and the gate rejects a reading that
goes backwards or faster than the house can use), an upper roller turns while the roller below
it carries from 9 to 0. Holding those to the rule lowered the share of clean simulated frames
accepted from 98.4 % to 94.3 % (last roller, half a day of seed 3) and cost 34 frames a week
(upper rollers, seed 0). A vetoed crop is answered as unreadable (digit None, confidence scaled
down), so the frame is rejected instead of stored. Crops between two digits and digits with no
sample yet keep the generic answer: the adaptation can only take readings away, never invent
one.

Why this and not a refitted head: measured with `training/evaluate_adapted.py` (two samples
per digit) a softmax correction on the features fitted with NumPy changed nothing (the samples
are already read right, so there is nothing to fit), and pixel templates disagreed with the
generic model on a quarter of right crops. See training/README.md for the numbers.

Pure NumPy/OpenCV (NumPy 1.24 and 2.x, OpenCV 4.6 and 4.10); fitting is a matrix of features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from stromzaehler.recognition.digits import (
    N_BINS,
    DigitModel,
    DigitReading,
    crop_view,
    decode_probs,
    name_digits,
    softmax,
    to_single_channel,
)

# How much closer (cosine similarity) another digit's samples must be than the read digit's
# before the second opinion vetoes the generic answer; chosen with training/evaluate_adapted.py.
VETO_MARGIN = 0.1
# Samples show rollers standing at their digit; a crop further than this from its digit (a
# roller turning) is not compared with them. Without this the adapted reader accepted 94.5 %
# and 92.1 % of the simulated meter's frames without a fault (seeds 0 and 3, half a day),
# with it 99.6 % and 98.5 % (scripts/evaluate_frames.py --adapted 2).
SAMPLE_LIKE_OFFSET = 0.2
# Below this generic confidence a crop needs the samples' support: a standing roller's read
# digit may trail another digit's samples by at most DOUBT_MARGIN, a turning roller is not read.
# Chosen on the recipe-selection meters with models that never saw them (training/README.md,
# seventh session): there the wrong crops the veto kept were unsure turning rollers (a 7 at
# 7.2 read as 1 at 1.2, confidence 0.62-0.66).
DOUBT_CONFIDENCE = 0.7
DOUBT_MARGIN = 0.05
# An upper roller turns while the roller below it passes from 9 to 0; with carries up to 0.35
# digit early or late (as `reading` tolerates) the roller below is then within this of 9.5.
CARRY_REACH = 0.85
# A vetoed crop keeps this share of its confidence, so the frame falls below any threshold.
VETO_CONFIDENCE_FACTOR = 0.25
FULLY_CONNECTED_TYPES = ("InnerProduct", "Gemm", "MatMul")


@dataclass(frozen=True, eq=False)  # compared by identity: it holds an image
class Sample:
    """One labelled crop of this meter: BGR uint8 (any size), the digit 0-9 it shows, and the
    roller it came from (-1 when unknown, e.g. crops from a CSV)."""

    crop: np.ndarray
    label: int
    roller: int = -1


def feature_layer(net: cv2.dnn.Net) -> str:
    """The name of the layer whose output feeds the network's last fully connected layer."""
    names = list(net.getLayerNames())
    types = [net.getLayer(net.getLayerId(name)).type for name in names]
    last_fc = max((i for i, t in enumerate(types) if t in FULLY_CONNECTED_TYPES), default=-1)
    if last_fc <= 0:
        raise ValueError("the digit model has no fully connected layer to take features from")
    return names[last_fc - 1]


class FeatureReader:
    """The generic model's bin probabilities and its features in one forward pass."""

    def __init__(self, model: DigitModel) -> None:
        self.model = model
        net = model.net
        self._feature_layer = feature_layer(net)
        self._output_layer = list(net.getLayerNames())[-1]

    def run(self, crops: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(N, 100) calibrated probabilities (mean over the model's views) and (N, F) unit-length
        features (mean over the views)."""
        views = self.model.views
        if len(crops) == 0:
            return np.zeros((0, N_BINS)), np.zeros((0, 0), dtype=np.float32)
        batch = [to_single_channel(crop_view(c, v)) for v in views for c in crops]
        net = self.model.net
        net.setInput(cv2.dnn.blobFromImages(batch))
        features, logits = net.forward([self._feature_layer, self._output_layer])
        logits = np.asarray(logits, dtype=np.float32).reshape(len(views), len(crops), N_BINS)
        features = np.asarray(features, dtype=np.float32).reshape(len(views), len(crops), -1)
        probs = softmax(logits, self.model.temperature).mean(axis=0)
        return probs, _unit(features.mean(axis=0))


def _unit(features: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return (features / np.maximum(norms, 1e-9)).astype(np.float32)


@dataclass(frozen=True)
class Prototypes:
    """Feature vectors of this meter's labelled crops."""

    features: np.ndarray  # (M, F) unit length
    labels: np.ndarray  # (M,) int 0..9

    def similarities(self, features: np.ndarray) -> np.ndarray:
        """(N, 10): per crop, the cosine similarity to the nearest sample of each digit;
        -inf for digits without a sample."""
        out = np.full((len(features), 10), -np.inf, dtype=np.float32)
        if len(self.labels) == 0:
            return out
        sims = features @ self.features.T
        for digit in np.unique(self.labels):
            out[:, int(digit)] = sims[:, self.labels == digit].max(axis=1)
        return out

    def counts(self) -> dict[int, int]:
        return {int(d): int((self.labels == d).sum()) for d in np.unique(self.labels)}


def fit(reader: FeatureReader, samples: Sequence[Sample]) -> Prototypes:
    """The prototypes of the samples (one forward pass over their crops)."""
    labels = np.array([int(s.label) for s in samples], dtype=np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("sample labels must be digits 0-9")
    _, features = reader.run([s.crop for s in samples])
    if len(samples) == 0:
        features = np.zeros((0, 1), dtype=np.float32)
    return Prototypes(features, labels)


def veto(
    digits: Sequence[str | None],
    similarities: np.ndarray,
    margin: float = VETO_MARGIN,
    values: Sequence[float] | None = None,
    confidences: Sequence[float] | None = None,
    frame_rollers: bool = False,
) -> np.ndarray:
    """Per crop, whether this meter's samples clearly say another digit than the generic one,
    or cannot vouch for an answer the generic model is unsure of. Crops whose position
    (`values`) is more than SAMPLE_LIKE_OFFSET from their digit are partly turned rollers that
    no sample resembles: they keep the generic answer unless its confidence is below
    DOUBT_CONFIDENCE. With `frame_rollers` the crops are one frame's rollers, left to right,
    and a roller the frame explains as turning keeps its generic answer (`turning_explained`)."""
    out = np.zeros(len(digits), dtype=bool)
    for i, digit in enumerate(digits):
        if digit is None:
            continue
        own = similarities[i, int(digit)]
        if not np.isfinite(own):
            continue  # no sample of this digit yet: nothing to compare with
        unsure = confidences is not None and confidences[i] < DOUBT_CONFIDENCE
        if values is not None and abs(values[i] - round(values[i])) > SAMPLE_LIKE_OFFSET:
            out[i] = unsure and not (frame_rollers and turning_explained(values, i))
            continue
        others = np.delete(similarities[i], int(digit))
        out[i] = bool(others.max() - own > (min(margin, DOUBT_MARGIN) if unsure else margin))
    return out


def turning_explained(values: Sequence[float], i: int) -> bool:
    """Whether roller i of a frame's rollers (positions left to right) may be turning: the last
    roller always, an upper one while the roller below it carries from 9 to 0."""
    if i == len(values) - 1:
        return True
    below = values[i + 1]
    return abs((below - 9.5 + 5.0) % 10.0 - 5.0) <= CARRY_REACH


class AdaptedDigitModel:
    """The generic model with this meter's samples as a second opinion (a DigitReader)."""

    def __init__(
        self,
        model: DigitModel,
        samples: Sequence[Sample],
        margin: float = VETO_MARGIN,
        frame_rollers: bool = True,
    ) -> None:
        """`frame_rollers`: every read is one frame's rollers, left to right (see `veto`);
        False for crops that have nothing to do with each other."""
        self.model = model
        self.min_confidence = model.min_confidence
        self.margin = margin
        self.frame_rollers = frame_rollers
        self._reader = FeatureReader(model)
        self.prototypes = fit(self._reader, samples)

    @property
    def sample_count(self) -> int:
        return len(self.prototypes.labels)

    def read(self, crops: Sequence[np.ndarray]) -> list[DigitReading]:
        probs, features = self._reader.run(crops)
        return adapted_answers(
            probs, features, self.prototypes, self.min_confidence, self.margin, self.frame_rollers
        )


def adapted_answers(
    probs: np.ndarray,
    features: np.ndarray,
    prototypes: Prototypes,
    min_confidence: float,
    margin: float = VETO_MARGIN,
    frame_rollers: bool = False,
) -> list[DigitReading]:
    """The generic answers of (N, 100) probabilities, with the digits this meter's
    prototypes veto turned into "not read"."""
    values, confidences = decode_probs(probs)
    digits = name_digits(values, confidences, min_confidence)
    similarities = prototypes.similarities(features)
    vetoed = veto(digits, similarities, margin, values, confidences, frame_rollers)
    return [
        DigitReading(
            digit=None if no else d,
            value=float(v),
            confidence=float(c) * (VETO_CONFIDENCE_FACTOR if no else 1.0),
        )
        for d, v, c, no in zip(digits, values, confidences, vetoed, strict=True)
    ]
