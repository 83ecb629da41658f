"""Digit crops with their targets: the real labelled set and (when present) simulator crops.

Targets for the 100-bin head come in three kinds, so that no position is invented:
- KIND_VALUE: the position is known to a tenth -> soft target around that bin;
- KIND_MASK: only a set of bins is known (integer-only label d: bins d-0.2..d+0.2; `N`
  without a position: any transition bin x.3..x.7) -> partial-label loss on the set;
- KIND_BLANK: no digit at all (synthetic blank/dark crops) -> uniform target.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

KIND_VALUE = 0
KIND_MASK = 1
KIND_BLANK = 2

# Crops are stored once at twice the model input so augmentation can warp them cheaply.
STORE_W = 48
STORE_H = 80

DEFAULT_DIGITS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "digits"

# Leave-meters-out split. A "meter" is a collection, except in the collections of many meters
# listed in SPLIT_BY_CROP_SIZE, where the crop size (each installation cuts its own boxes) stands
# for the meter: "mixed/collected_new@27x49". A name without "@" means all its meters.
# CALIBRATION collections fit the temperature and the confidence threshold. SELECTION meters
# are left out of the recipe runs (`train.py --hold-out-selection`) and recipes are chosen on
# them only; the packaged model then trains on them. TEST meters are only ever used for the
# numbers reported after the choice (the fifth session's split; the earlier test collections,
# looked at in every session since, stay out of training and are reported as OLD_TEST).
SPLIT_BY_CROP_SIZE = ("mixed/collected_new",)
CALIBRATION_COLLECTIONS = (
    "gasmeter/GMT_iotson",
    "watermeter/iotson_watermeter2",
    "watermeter/iotson_watermeter1",
    "watermeter/Unknown_pilg",
    "watermeter/OOVW_iotson",
    "watermeter/iotson_watermeter_unsorted",
    "watermeter/Unknown_ck83",
)
SELECTION_COLLECTIONS = (
    "powermeter/ISKRA_T3F-01S1",  # white DIN-like digits on black
    "mixed/collected_new@28x44",  # red and black digits on a cream roller
    "mixed/collected_new@23x38",  # black digits on white
)
TEST_COLLECTIONS = (
    "mixed/collected_new@27x49",  # red and black digits on white
    "mixed/collected_new@24x43",  # light digits on dark rollers, several meters
)
OLD_TEST_COLLECTIONS = ("powermeter/iotson_emeter1", "watermeter/Techem_V_DR")
HELD_OUT_COLLECTIONS = CALIBRATION_COLLECTIONS + TEST_COLLECTIONS + OLD_TEST_COLLECTIONS


def meter_of(row: dict[str, str]) -> str:
    """The meter a labelled crop belongs to (see SPLIT_BY_CROP_SIZE)."""
    coll = row["collection"]
    if coll in SPLIT_BY_CROP_SIZE:
        return f"{coll}@{row['width']}x{row['height']}"
    return coll


def _named(meter: str, names: tuple[str, ...]) -> bool:
    return meter in names or meter.split("@")[0] in names


@dataclass
class CropSet:
    images: list[np.ndarray] = field(default_factory=list)  # BGR uint8, STORE_H x STORE_W
    kinds: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)  # position, NaN when unknown
    labels: list[str] = field(default_factory=list)  # "0".."9" or "N"
    collections: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    originals: list[np.ndarray] = field(default_factory=list)  # unresized, for evaluation

    def __len__(self) -> int:
        return len(self.images)

    def extend(self, other: CropSet) -> None:
        for name in ("images", "kinds", "values", "labels", "collections", "files", "originals"):
            getattr(self, name).extend(getattr(other, name))


def read_labels(digits_dir: Path) -> list[dict[str, str]]:
    with (digits_dir / "labels.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def load_real(
    digits_dir: Path, collections: tuple[str, ...] | None, exclude: tuple[str, ...] = ()
) -> CropSet:
    """Load the labelled crops of the given collections or meters (None = all), minus
    `exclude`."""
    out = CropSet()
    for row in read_labels(digits_dir):
        coll = meter_of(row)
        if (collections is not None and not _named(coll, collections)) or _named(coll, exclude):
            continue
        img = cv2.imread(str(digits_dir / row["file"]), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(digits_dir / row["file"])
        out.originals.append(img)
        out.images.append(cv2.resize(img, (STORE_W, STORE_H), interpolation=cv2.INTER_AREA))
        if row["value"]:
            out.kinds.append(KIND_VALUE)
            out.values.append(float(row["value"]) % 10.0)
        else:
            out.kinds.append(KIND_MASK)
            out.values.append(float("nan"))
        out.labels.append(row["label"])
        out.collections.append(coll)
        out.files.append(row["file"])
    return out


def mask_for(label: str) -> np.ndarray:
    """Bins a partially labelled crop may sit in (integer label or transitional `N`)."""
    mask = np.zeros(100, dtype=np.float32)
    if label == "N":
        for d in range(10):
            mask[10 * d + 3 : 10 * d + 8] = 1.0
    else:
        d = int(label)
        mask[[(10 * d + k) % 100 for k in range(-2, 3)]] = 1.0
    return mask


def soft_target(value: float, sigma_bins: float = 1.0) -> np.ndarray:
    """Circular Gaussian over the 100 bins centred on `value` (digits)."""
    bins = np.arange(100, dtype=np.float32)
    d = np.abs(bins - value * 10.0)
    d = np.minimum(d, 100.0 - d)
    t = np.exp(-0.5 * (d / sigma_bins) ** 2)
    return (t / t.sum()).astype(np.float32)


def target_for(kind: int, value: float, label: str) -> tuple[np.ndarray, int]:
    """(target vector, loss mode) with mode 0 = soft cross-entropy, 1 = partial label."""
    if kind == KIND_VALUE:
        return soft_target(value), 0
    if kind == KIND_MASK:
        return mask_for(label), 1
    return np.full(100, 0.01, dtype=np.float32), 0


def simulator_crops(
    n_frames: int,
    seed: int,
    frames_per_meter: int = 15,
    faults: str = "glare=0.1",
    font_variety: float = 0.0,
    paint_variety: float = 0.0,
) -> CropSet:
    """Crops from simulated meters in random looks and random counter states.

    A new meter (random start counter, light, roller colours) every `frames_per_meter`
    frames; frames at random instants within 30 days so the lower rollers take every position.
    A share `font_variety` of the meters gets a random font (glyphs.FONTS), glyph width and
    stroke instead of the reference meter's, a share `paint_variety` random roller and digit
    paints (training/looks.py). `faults` is a FaultRates spec
    ("glare=0.1,blur=0.05"). Returns an empty set when the simulator is not installed.
    """
    try:
        from stromzaehler.simulator import FaultRates, SimulatedMeter
        from training.looks import random_look
    except ImportError:
        return CropSet()
    rng = np.random.default_rng(seed)
    out = CropSet()
    start_utc = 1_700_000_000
    meter = None
    for i in range(n_frames):
        if i % frames_per_meter == 0:
            look = random_look(rng, font_variety, paint_variety)  # drawn first, as before
            meter = SimulatedMeter(
                seed=int(rng.integers(1 << 30)),
                start_utc=start_utc,
                start_wh=int(rng.integers(0, 999_999_999)),
                options=look,
                faults=FaultRates.parse(faults),
            )
        t = start_utc + float(rng.uniform(0, 30 * 86400))
        image, truth = meter.frame_at(t)
        for box, pos in zip(meter.geometry.digit_boxes, truth.roller_positions, strict=True):
            crop = image[box.y : box.y + box.h, box.x : box.x + box.w]
            out.originals.append(crop)
            out.images.append(cv2.resize(crop, (STORE_W, STORE_H), interpolation=cv2.INTER_AREA))
            value = float(pos) % 10.0
            out.kinds.append(KIND_VALUE)
            out.values.append(value)
            nearest = round(value)
            out.labels.append(str(nearest % 10) if abs(value - nearest) < 0.25 else "N")
            out.collections.append("simulator")
            out.files.append(f"sim{i}")
    return out
