"""The adaptation profile: this meter's labelled roller crops, kept in the data folder.

One compressed NumPy file (`adaptation.npz`) with the crops (stored at twice the model input,
so a retrained model can compute its own features from them), their digits, the roller each
came from, where it came from (`teach`, `review`, `auto`) and when. It belongs to one geometry:
a profile made with other boxes (or another meter) is not used and is replaced by the next
sample. The number of samples is bounded per digit and roller; when full, the oldest
automatically collected sample of that digit and roller goes first, the owner's own last.

Written atomically (temporary file, then rename), so a power cut leaves the old or the new
profile, never half of one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..config import MeterGeometry
from ..recognition.adapt import Sample
from .setup_confirmation import geometry_fingerprint

log = logging.getLogger(__name__)

PROFILE_NAME = "adaptation.npz"
FORMAT_VERSION = 1
CROP_W, CROP_H = 48, 80
MAX_PER_DIGIT_AND_ROLLER = 3
ORIGINS = ("teach", "review", "auto")


@dataclass(frozen=True, eq=False)  # compared by identity: it holds an image
class StoredSample:
    sample: Sample
    origin: str  # teach | review | auto
    added_utc: int


class AdaptationStore:
    """The profile file of one data folder, for the current geometry."""

    def __init__(self, data_dir: Path, max_per_digit_and_roller: int = MAX_PER_DIGIT_AND_ROLLER):
        self.path = Path(data_dir) / PROFILE_NAME
        self.max_per_key = max_per_digit_and_roller

    def load(self, geometry: MeterGeometry) -> list[StoredSample]:
        """The samples of this geometry's profile; [] when there is none (or another's)."""
        if not self.path.is_file():
            return []
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if int(data["version"]) != FORMAT_VERSION:
                    return []
                if str(data["geometry"]) != geometry_fingerprint(geometry):
                    return []
                crops, labels = data["crops"], data["labels"]
                rollers, origins, added = data["rollers"], data["origins"], data["added_utc"]
        except (OSError, ValueError, KeyError) as error:
            log.warning("adaptation profile %s unusable, starting afresh: %s", self.path, error)
            return []
        return [
            StoredSample(Sample(crop, int(label), int(roller)), str(origin), int(t))
            for crop, label, roller, origin, t in zip(
                crops, labels, rollers, origins, added, strict=True
            )
        ]

    def add(
        self, geometry: MeterGeometry, samples: Sequence[Sample], origin: str
    ) -> list[StoredSample]:
        """Add samples (bounded per digit and roller), save, and return the whole profile."""
        if origin not in ORIGINS:
            raise ValueError(f"unknown sample origin {origin!r}")
        now = int(time.time())
        profile = self.load(geometry)
        for sample in samples:
            small = cv2.resize(sample.crop, (CROP_W, CROP_H), interpolation=cv2.INTER_AREA)
            profile.append(StoredSample(Sample(small, sample.label, sample.roller), origin, now))
            profile = self._bounded(profile, sample.label, sample.roller)
        self._save(geometry, profile)
        return profile

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def _bounded(self, profile: list[StoredSample], label: int, roller: int) -> list[StoredSample]:
        key = [s for s in profile if (s.sample.label, s.sample.roller) == (label, roller)]
        while len(key) > self.max_per_key:
            # Oldest automatic sample first, then review, then the owner's typed reading.
            victim = min(key, key=lambda s: (-ORIGINS.index(s.origin), s.added_utc))
            key.remove(victim)
            profile = [s for s in profile if s is not victim]
        return profile

    def _save(self, geometry: MeterGeometry, profile: Sequence[StoredSample]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        crops = np.stack([s.sample.crop for s in profile]) if profile else np.zeros(
            (0, CROP_H, CROP_W, 3), np.uint8
        )
        with temporary.open("wb") as f:
            np.savez_compressed(
                f,
                version=np.int64(FORMAT_VERSION),
                geometry=np.str_(geometry_fingerprint(geometry)),
                crops=crops.astype(np.uint8),
                labels=np.array([s.sample.label for s in profile], dtype=np.int64),
                rollers=np.array([s.sample.roller for s in profile], dtype=np.int64),
                origins=np.array([s.origin for s in profile], dtype="<U8"),
                added_utc=np.array([s.added_utc for s in profile], dtype=np.int64),
            )
            f.flush()
            os.fsync(f.fileno())
        temporary.replace(self.path)


def summary(profile: Sequence[StoredSample]) -> dict[str, object]:
    """What the Live and Set-up pages show: how many samples, per digit and per origin."""
    per_digit = {str(d): 0 for d in range(10)}
    per_origin = dict.fromkeys(ORIGINS, 0)
    for stored in profile:
        per_digit[str(stored.sample.label)] += 1
        per_origin[stored.origin] += 1
    return {
        "adapted": bool(profile),
        "samples": len(profile),
        "per_digit": per_digit,
        "per_origin": per_origin,
    }
