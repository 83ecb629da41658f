"""From a frame to a meter reading: align, cut the roller crops, read them, compose the digits.

Composition works right to left. The last roller turns continuously; its digit is the one that
fills most of the window (see LAST_ROLLER_ROUND_UP). Every roller above it is decided from its
own position *and* the position of the roller below: in a geared counter a roller turns by one
digit while the roller below goes from 9 to 10, so with the lower roller at 9.6 the upper one
is expected 0.6 of the way to its next digit. The upper digit is the integer nearest to (its
position - that expected progress). This reads 1299.9 -> 1300.0 transitions and half-turned
higher rollers correctly and tolerates counters that carry early or late (tested with carries
0.35 digit early and late). An abrupt counter (the upper roller jumps when the lower one
wraps) expects no progress at all.

The previous accepted reading is only a tie-breaker for the last roller: where its position
leaves two readings one step apart about equally likely, the one that keeps the counter at or
just above the prior is chosen. An upper roller half-way between two digits while the roller
below it is nowhere near a carry means the rollers disagree with each other (boxes that sit
wrong, a misread): the frame is rejected as `rollers_disagree`, with or without a prior -
taking that digit from the prior would repeat the last reading on the word of a frame that
cannot be placed. A digit the image does not support is never taken from the prior.

One exception, for a knocked camera: leading rollers that left the picture are carried over
from the prior when the rollers still in view count at least MIN_VISIBLE_SPAN_WH before they
wrap. The hidden rollers can only change when the visible ones go past all nines, so the
visible part decides the whole reading (see `with_hidden_rollers`); the gate then checks it
like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from stromzaehler.geometry import Box, MeterGeometry, steps_to_wh, wh_to_steps
from stromzaehler.recognition.align import Alignment, Reference, box_in_view, crop_aligned
from stromzaehler.recognition.digits import DigitReading
from stromzaehler.recognition.focus import MIN_FOCUS_RATIO, frame_focus
from stromzaehler.recognition.placement import check_placement
from stromzaehler.status import Reason

CarryMode = Literal["geared", "abrupt"]

# Below this distance (in digits) from the decision boundary an upper roller's digit is
# ambiguous: it stands more than 0.38 digit off where the roller below puts it, which no
# carry (0.35 digit early or late at most) explains. The frame is rejected (rollers_disagree).
AMBIGUOUS_MARGIN = 0.12
# The last roller's digit changes where the roller has turned this far short of the next
# digit: at 5.8 the 6 already fills most of the window, people read it as 6 (so do the
# labels of the training crops), and a digit standing centred in the window (5.97 or 6.03,
# depending on model noise) reads as that digit, not half of the time as the one below.
# The reading is then at most 0.2 of a step (20 Wh with one decimal) early.
LAST_ROLLER_ROUND_UP = 0.2
# A last-roller position closer than this to where its digit changes is ambiguous.
LAST_ROLLER_BOUNDARY = 0.12
DEFAULT_MIN_CONFIDENCE = 0.5
# Leading rollers may be out of the picture only while the rollers in view count this far
# before they wrap (10,000 kWh: years of a household's use), so that no outage can hide a
# whole turn of the visible part.
MIN_VISIBLE_SPAN_WH = 10_000_000


class DigitReader(Protocol):
    def read(self, crops: Sequence[np.ndarray]) -> list[DigitReading]: ...


@dataclass(frozen=True)
class Composition:
    """The digits decided for one frame (left to right) and how sure each decision is."""

    reading: str
    digits: tuple[int, ...]
    margins: tuple[float, ...]  # distance of each decision from its boundary, 0..0.5 digits
    used_prior: bool
    # The counter in steps with the last roller's fraction (e.g. 995160.43): finer than the
    # digits, so the gate can see a jump of half a step that the digits round away.
    position_steps: float = 0.0
    # Upper rollers (indices) whose position contradicts the roller below them: at least
    # half-way to the next digit although no carry explains it (margin < AMBIGUOUS_MARGIN).
    disagreeing: tuple[int, ...] = ()


@dataclass
class FrameReading:
    reading: str | None  # e.g. "0995160"
    counter_wh: int | None
    digits: list[DigitReading]
    confidence: float
    reason: str | None  # why not readable: "alignment", "out_of_view", "low_confidence", ...
    boxes: list[Box]  # digit boxes after alignment (for drawing)
    alignment: Alignment | None = None
    composed: Composition | None = field(default=None, repr=False)
    position_steps: float | None = None  # see Composition.position_steps


def _wrap(delta: float) -> float:
    """A difference of roller positions wrapped into [-5, 5)."""
    return (delta + 5.0) % 10.0 - 5.0


def _expected_progress(lower_digit: int, lower_position: float, carry: CarryMode) -> float:
    """How far the roller above should have turned from its digit, in -1..1.

    Geared: the roller above follows the roller below through its last tenth. `lower_position`
    is relative to the lower roller's decided digit, so a lower roller decided as 0 but seen at
    -0.3 (9.7, finishing a late carry) puts the roller above 0.3 behind its new digit.
    """
    if carry == "abrupt":
        return 0.0
    if lower_digit == 9:
        return float(np.clip(lower_position - 9.0, 0.0, 1.0))
    if lower_digit == 0:
        return float(np.clip(lower_position, -1.0, 0.0))
    return 0.0


def _decide(
    values: Sequence[float], carry: CarryMode
) -> tuple[list[tuple[int, float]], bool]:
    """Right to left, with the last roller's digit as its floor: (digit, margin) per
    roller, left to right, and whether the last roller is far enough on to show the next
    digit (LAST_ROLLER_ROUND_UP; added as one step to the whole number afterwards, so a
    counter with abrupt carry gets the carry as well)."""
    out: list[tuple[int, float]] = []
    last = values[-1] % 10.0
    digit = int(np.floor(last)) % 10
    frac = last - np.floor(last)
    line = 1.0 - LAST_ROLLER_ROUND_UP
    out.append((digit, float(min(abs(frac - line), 0.5))))
    lower_digit, lower_position = digit, last
    for value in reversed(values[:-1]):
        expected = _expected_progress(lower_digit, lower_position, carry)
        estimate = (value - expected) % 10.0
        digit = int(np.floor(estimate + 0.5)) % 10
        margin = 0.5 - abs(_wrap(estimate - digit))
        out.append((digit, float(margin)))
        # The roller's position relative to its decided digit, e.g. 9.97 decided as 0 -> -0.03.
        lower_digit, lower_position = digit, digit + _wrap(value - digit)
    out.reverse()
    return out, bool(frac >= line)


def _steps(digits: Sequence[int], round_up: bool) -> int:
    return (int("".join(map(str, digits))) + int(round_up)) % 10 ** len(digits)


def compose(
    values: Sequence[float],
    carry: CarryMode = "geared",
    prior_steps: int | None = None,
) -> Composition:
    """Decide the digits from continuous roller positions (left to right, each in [0, 10)).

    `prior_steps` is the previous accepted reading in steps of the last roller (e.g. 995160).
    The margin of the last roller is its distance to the line where its digit changes; the
    margin of every other roller is the distance of its estimate from half-way between two
    digits.
    """
    if not values:
        raise ValueError("no roller positions to compose")
    decisions, round_up = _decide(values, carry)
    digits = [d for d, _ in decisions]
    margins = [m for _, m in decisions]
    last = len(values) - 1
    used_prior = False
    ambiguous = [i for i in range(last) if margins[i] < AMBIGUOUS_MARGIN]
    last_ambiguous = margins[last] < LAST_ROLLER_BOUNDARY
    steps = _steps(digits, round_up)
    frac = float(values[-1] % 1.0)
    if prior_steps is not None and last_ambiguous and not ambiguous:
        chosen_round_up = _round_up_with_prior(digits, round_up, prior_steps)
        if chosen_round_up is not None:
            margins[last] = max(margins[last], LAST_ROLLER_BOUNDARY)
            new_steps = _steps(digits, chosen_round_up)
            used_prior = new_steps != steps
            steps = new_steps
            round_up = chosen_round_up
    reading = str(steps).zfill(len(values))
    position = (steps - int(round_up) + frac) % 10 ** len(values)
    return Composition(
        reading,
        tuple(int(c) for c in reading),
        tuple(margins),
        used_prior,
        position,
        tuple(ambiguous),
    )


def _round_up_with_prior(digits: Sequence[int], round_up: bool, prior_steps: int) -> bool | None:
    """For a last roller on its line: the round-up (of the two the image allows) that does not
    go below the prior and stays closest above it at the resolution of the second-last
    roller; a tie keeps the image's own decision. None when both are below the prior."""
    modulus = 10 ** len(digits)
    best: tuple[int, int, bool] | None = None
    for deviation, candidate in enumerate((round_up, not round_up)):
        ahead = (_steps(digits, candidate) - prior_steps) % modulus
        if ahead > modulus // 2:  # below the prior (counters only move forward)
            continue
        if best is None or (ahead // 10, deviation) < best[:2]:
            best = (ahead // 10, deviation, candidate)
    return None if best is None else best[2]


def _nearest_ahead(value: float, prior: float, modulus: int) -> float:
    """`value` (known modulo `modulus`) placed within half a turn of `prior`."""
    return prior + (value - prior + modulus / 2) % modulus - modulus / 2


def with_hidden_rollers(visible: Composition, hidden: int, prior_steps: int) -> Composition:
    """The whole counter from the rollers in view (`visible`, the lower ones) and `hidden`
    leading rollers out of the picture, taken from the prior.

    The visible part is placed within half its turn of the prior: 0999999 with the first
    roller hidden and 000000 in view gives 1000000; a misread below the prior stays below
    it, and the gate rejects it as decreasing.
    """
    modulus = 10 ** len(visible.digits)
    total = 10 ** (hidden + len(visible.digits))
    steps = round(_nearest_ahead(int(visible.reading), prior_steps, modulus)) % total
    position = _nearest_ahead(visible.position_steps, prior_steps, modulus) % total
    reading = str(steps).zfill(hidden + len(visible.digits))
    return Composition(
        reading,
        tuple(int(c) for c in reading),
        (0.5,) * hidden + visible.margins,
        True,
        position,
        tuple(i + hidden for i in visible.disagreeing),
    )


class MeterReader:
    """Reads whole frames: alignment (optional), roller crops, digit model, composition."""

    def __init__(
        self,
        geometry: MeterGeometry,
        model: DigitReader | None = None,
        reference: Reference | None = None,
        carry: CarryMode = "geared",
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        if not geometry.digit_boxes:
            raise ValueError("the geometry has no digit boxes")
        if model is None:
            from stromzaehler.recognition.digits import DigitModel

            model = DigitModel.load()
        self.geometry = geometry
        self.model = model
        self.reference = reference
        self.carry: CarryMode = carry
        self.min_confidence = min_confidence
        # Where the last aligned frame lay: a knocked camera stays knocked.
        self._last_matrix: np.ndarray | None = None
        self._last_fingerprint: bytes | None = None

    def read(self, frame_bgr: np.ndarray, previous_wh: int | None = None) -> FrameReading:
        boxes = list(self.geometry.digit_boxes)
        # A real sensor never delivers the same pixels twice; a repeated frame is an old
        # picture (stuck camera driver) whose reading would be stored with a new time.
        fingerprint = np.ascontiguousarray(frame_bgr[::7, ::7]).tobytes()
        repeated = fingerprint == self._last_fingerprint
        self._last_fingerprint = fingerprint
        if repeated:
            return FrameReading(None, None, [], 0.0, Reason.FROZEN, boxes)
        alignment = None
        if self.reference is not None:
            alignment = self.reference.register(frame_bgr, hint=self._last_matrix)
            if alignment.ok:
                self._last_matrix = alignment.matrix
            else:
                return FrameReading(None, None, [], 0.0, Reason.ALIGNMENT, boxes, alignment)
            boxes = [alignment.map_box(b) for b in boxes]
        matrix = alignment.matrix if alignment is not None else None
        in_view = [box_in_view(frame_bgr.shape, b, matrix) for b in self.geometry.digit_boxes]
        hidden = self._hidden_leading_rollers(in_view, previous_wh)
        if hidden is None:
            return FrameReading(None, None, [], 0.0, Reason.OUT_OF_VIEW, boxes, alignment)
        in_sight = self.geometry.digit_boxes[hidden:]
        # Without a reference nothing else says where the counter is (placement.py).
        if self.reference is None and check_placement(frame_bgr, in_sight).misplaced:
            return FrameReading(None, None, [], 0.0, Reason.BOXES_MISPLACED, boxes)
        crops = [crop_aligned(frame_bgr, box, matrix) for box in in_sight]
        if self.reference is not None and (
            frame_focus(crops) < MIN_FOCUS_RATIO * self.reference.focus
        ):
            return FrameReading(None, None, [], 0.0, Reason.BLURRED, boxes, alignment)
        digits = self.model.read(crops)
        return self.compose_digits(digits, previous_wh, boxes, alignment, hidden)

    def _hidden_leading_rollers(
        self, in_view: Sequence[bool], previous_wh: int | None
    ) -> int | None:
        """How many leading rollers are out of the picture and can come from the prior;
        None when the frame cannot be read (see MIN_VISIBLE_SPAN_WH)."""
        hidden = in_view.index(True) if True in in_view else len(in_view)
        if not all(in_view[hidden:]):
            return None
        if hidden == 0:
            return 0
        visible_span_wh = steps_to_wh(10 ** (len(in_view) - hidden), self.geometry.decimals)
        if previous_wh is None or visible_span_wh < MIN_VISIBLE_SPAN_WH:
            return None
        return hidden

    def compose_digits(
        self,
        digits: Sequence[DigitReading],
        previous_wh: int | None = None,
        boxes: Sequence[Box] = (),
        alignment: Alignment | None = None,
        hidden: int = 0,
    ) -> FrameReading:
        """Composition and confidence for digit readings that are already made: one per
        roller, or one per roller in view when the first `hidden` rollers are out of the
        picture (those come from `previous_wh`, and their DigitReading says "not read":
        digit None, confidence 0, value the digit carried over)."""
        decimals = self.geometry.decimals
        prior = wh_to_steps(previous_wh, decimals) if previous_wh is not None else None
        composition = compose([d.value for d in digits], self.carry, prior)
        confidence = composition_confidence(digits, composition)
        if hidden:
            if prior is None:
                raise ValueError("rollers out of the picture need the previous reading")
            composition = with_hidden_rollers(composition, hidden, prior)
            carried = [DigitReading(None, float(d), 0.0) for d in composition.digits[:hidden]]
            digits = carried + list(digits)
        counter_wh = steps_to_wh(int(composition.reading), decimals)
        reason: Reason | None = None
        if composition.disagreeing:
            reason = Reason.ROLLERS_DISAGREE
        elif confidence < self.min_confidence:
            reason = Reason.LOW_CONFIDENCE
        return FrameReading(
            composition.reading,
            counter_wh,
            list(digits),
            confidence,
            reason,
            list(boxes),
            alignment,
            composition,
            composition.position_steps,
        )


def composition_confidence(digits: Sequence[DigitReading], composition: Composition) -> float:
    """The weakest roller decides: model confidence scaled down near a decision boundary."""
    worst = 1.0
    last = len(digits) - 1
    for i, (reading, margin) in enumerate(zip(digits, composition.margins, strict=True)):
        # Near its line the last roller is uncertain by one step at most: no penalty.
        boundary_factor = 1.0 if i == last else min(1.0, margin / AMBIGUOUS_MARGIN)
        worst = min(worst, reading.confidence * boundary_factor)
    return float(worst)
