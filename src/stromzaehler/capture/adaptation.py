"""The running service's adaptation to its meter: teach, automatic samples, the digit reader.

- `digit_reader_for`: the generic model, or the model adapted to the profile in the data folder.
- `teach`: the owner types the reading he sees; the reader is checked against it at once (a
  mismatch names the roller and what was read), the frame's crops become samples, and when
  the reader then agrees the set-up counts as confirmed (setup_confirmation), so the first
  reading may be stored.
- `SampleCollector`: after that, samples come from accepted readings that the next accepted
  reading confirmed - rollers standing close to a digit and read as that digit only, and only
  while that digit and roller has fewer than the bound (so the profile file stops being
  rewritten once full).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import MeterGeometry
from ..recognition.adapt import AdaptedDigitModel, Sample
from ..recognition.align import crop_aligned
from ..recognition.digits import DigitModel
from ..recognition.reading import FrameReading, MeterReader
from ..sources.images import cut_box, decode_jpeg, read_image
from ..status import Reason
from .adaptation_store import AdaptationStore, StoredSample
from .setup_confirmation import SetupConfirmation

log = logging.getLogger(__name__)

# A roller is a sample of its digit only while its position is this close to the digit.
AUTO_SAMPLE_TOLERANCE = 0.1
AUTO_SAMPLE_MIN_CONFIDENCE = 0.9
# A taught roller is a sample unless the reader sees it half-way between two digits.
TEACH_SAMPLE_TOLERANCE = 0.25
# Two accepted readings further apart than this do not confirm each other's samples.
CONFIRM_WITHIN_S = 900


def digit_reader_for(
    data_dir: Path, geometry: MeterGeometry, model: DigitModel | None = None
) -> DigitModel | AdaptedDigitModel:
    """The digit reader for this data folder: adapted when its profile has samples."""
    model = model or DigitModel.load()
    profile = AdaptationStore(data_dir).load(geometry)
    if not profile:
        return model
    return AdaptedDigitModel(model, [s.sample for s in profile])


def roller_crops(reader: MeterReader, image: np.ndarray, result: FrameReading) -> list[np.ndarray]:
    """The crops of all rollers as the reader cut them (after its alignment)."""
    matrix = result.alignment.matrix if result.alignment is not None else None
    return [crop_aligned(image, box, matrix) for box in reader.geometry.digit_boxes]


def typed_digits(text: str, rollers: int, decimals: int) -> str:
    """What the owner typed ("0995160", "099516.0", "99516,0") as the roller digits;
    ValueError with a message when unclear."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if re.fullmatch(r"\d+", cleaned) and len(cleaned) == rollers:
        return cleaned
    match = re.fullmatch(r"(\d+)\.(\d+)", cleaned) if decimals else None
    if match is None and decimals == 0 and re.fullmatch(r"\d+", cleaned):
        match = re.fullmatch(r"(\d+)()", cleaned)
    if match is None or len(match.group(2)) != decimals:
        raise ValueError(
            f"{text!r}: type the {rollers} roller digits (e.g. {'0' * rollers}) or the reading"
            f" with {decimals} decimal(s) as the meter shows it"
        )
    whole = match.group(1).lstrip("0").zfill(rollers - decimals)
    if len(whole) > rollers - decimals:
        raise ValueError(f"{text!r}: more digits than the meter has rollers")
    return whole + match.group(2)


@dataclass(frozen=True)
class RollerMismatch:
    roller: int  # 1 = leftmost
    typed: str
    read: str | None
    value: float | None


@dataclass(frozen=True)
class TeachResult:
    typed: str
    read: str | None
    reason: str | None
    mismatches: tuple[RollerMismatch, ...]
    samples_added: int
    confirmed: bool

    def message(self) -> str:
        if self.confirmed:
            return f"the reader agrees with {self.typed}; the set-up is confirmed"
        parts = [
            f"roller {m.roller}: typed {m.typed}, read "
            + (m.read or "nothing")
            + (f" (position {m.value:.2f})" if m.value is not None else "")
            for m in self.mismatches
        ]
        if self.reason == Reason.BOXES_MISPLACED:
            why = "the boxes do not sit on the digits in this frame (place them on the Set-up page)"
        else:
            why = "; ".join(parts) or f"not read ({self.reason})"
        return f"the reader does not agree with {self.typed}: {why}"


def _mismatches(typed: str, result: FrameReading) -> tuple[RollerMismatch, ...]:
    read = result.reading
    if read is not None and len(read) == len(typed):
        # The last roller is read to its nearest digit: one step either way is agreement.
        modulus = 10 ** len(typed)
        if min((int(read) - int(typed)) % modulus, (int(typed) - int(read)) % modulus) <= 1:
            return ()
    if not result.digits:
        return ()  # nothing was read (the reason says why): no roller to name
    out = []
    for i, want in enumerate(typed):
        digit = result.digits[i] if i < len(result.digits) else None
        got = read[i] if read is not None else (digit.digit if digit else None)
        if got != want:
            out.append(
                RollerMismatch(i + 1, want, got, None if digit is None else float(digit.value))
            )
    return tuple(out)


def teach_on_jpeg(
    jpeg: bytes,
    typed: str,
    geometry: MeterGeometry,
    data_dir: Path,
    make_reader: Callable[[], MeterReader],
) -> TeachResult:
    """`teach` on a JPEG frame (the live image); ValueError when it cannot be decoded."""
    return teach(decode_jpeg(jpeg), typed, geometry, data_dir, make_reader)


def teach(
    image: np.ndarray,
    typed: str,
    geometry: MeterGeometry,
    data_dir: Path,
    make_reader: Callable[[], MeterReader],
) -> TeachResult:
    """Check the reader against the typed reading on `image`, keep its crops as samples and
    confirm the set-up when the (re-adapted) reader agrees. `make_reader` builds the reader
    from the data folder as it is now (so it picks up the new samples)."""
    digits = typed_digits(typed, len(geometry.digit_boxes), geometry.decimals)
    reader = make_reader()
    first = reader.read(image)
    crops = roller_crops(reader, image, first)
    samples = [
        Sample(crop, int(want), roller)
        for roller, (crop, want, seen) in enumerate(zip(crops, digits, first.digits, strict=False))
        if abs(seen.value - round(seen.value)) <= TEACH_SAMPLE_TOLERANCE
    ]
    if samples:
        AdaptationStore(data_dir).add(geometry, samples, "teach")
    result = make_reader().read(image) if samples else first
    mismatches = _mismatches(digits, first if result.reason else result)
    confirmed = result.reason is None and not mismatches
    if confirmed:
        SetupConfirmation(data_dir).confirm(geometry, "reading")
    return TeachResult(digits, first.reading, first.reason, mismatches, len(samples), confirmed)


def samples_from_correction(
    crops: Sequence[np.ndarray], values: Sequence[float | None], digits: str
) -> list[Sample]:
    """Samples from a frame the owner corrected in Review: the crops of the rollers the reader
    saw close to a digit (`values`, None when unknown), labelled with the corrected digits."""
    return [
        Sample(crop, int(digit), roller)
        for roller, (crop, value, digit) in enumerate(zip(crops, values, digits, strict=False))
        if value is not None and abs(value - round(value)) <= TEACH_SAMPLE_TOLERANCE
    ]


class SampleCollector:
    """Collects samples from accepted readings that the next accepted reading confirmed."""

    def __init__(self, store: AdaptationStore, geometry: MeterGeometry) -> None:
        self.store = store
        self.geometry = geometry
        self._pending: tuple[int, int, list[Sample]] | None = None  # t_utc, counter_wh, samples
        self._counts = self._count(store.load(geometry))

    def _count(self, profile: Sequence[StoredSample]) -> dict[tuple[int, int], int]:
        counts: dict[tuple[int, int], int] = {}
        for stored in profile:
            key = (stored.sample.label, stored.sample.roller)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def observe(
        self, t_utc: int, result: FrameReading, crops: Sequence[np.ndarray], accepted: bool
    ) -> bool:
        """Look at one handled frame; True when samples were added (refit the reader)."""
        if not accepted or result.reading is None or result.counter_wh is None:
            return False
        added = False
        if self._pending is not None:
            t_before, wh_before, samples = self._pending
            if 0 < t_utc - t_before <= CONFIRM_WITHIN_S and result.counter_wh >= wh_before:
                added = self._add(samples)
        self._pending = (t_utc, result.counter_wh, self._candidates(result, crops))
        return added

    def _candidates(self, result: FrameReading, crops: Sequence[np.ndarray]) -> list[Sample]:
        out = []
        for roller, (crop, read) in enumerate(zip(crops, result.digits, strict=False)):
            nearest = round(read.value) % 10
            close = abs(read.value - round(read.value)) <= AUTO_SAMPLE_TOLERANCE
            shown = result.reading is not None and result.reading[roller] == str(nearest)
            sure = read.digit == str(nearest) and read.confidence >= AUTO_SAMPLE_MIN_CONFIDENCE
            key = (nearest, roller)
            if close and shown and sure and self._counts.get(key, 0) < self.store.max_per_key:
                out.append(Sample(crop, nearest, roller))
        return out

    def _add(self, samples: list[Sample]) -> bool:
        fresh = [
            s for s in samples if self._counts.get((s.label, s.roller), 0) < self.store.max_per_key
        ]
        if not fresh:
            return False
        profile = self.store.add(self.geometry, fresh, "auto")
        self._counts = self._count(profile)
        log.info(
            "adaptation: %d samples from confirmed readings (%d in all)", len(fresh), len(profile)
        )
        return True


def samples_from_frame(
    image_path: str,
    boxes: Sequence[Sequence[int]],
    digits_read: Sequence[dict[str, Any]] | None,
    typed_digits: str,
) -> list[Sample]:
    """The crops of a kept frame image, labelled with the digits the owner typed for it."""
    image = read_image(image_path)
    crops = [cut_box(image, box) for box in boxes]
    values = [d.get("value") for d in (digits_read or [])]
    return samples_from_correction(crops, values, typed_digits)
