"""Do the digit boxes sit on the digits? A check for frames read without an alignment reference.

Without a reference frame nothing tells the reader where the counter is: boxes drawn for
another camera position (a new installation with the default boxes, a camera moved closer)
cut half digits and the roller gaps, and the network reads half a 9 as a confident 2. Many
frames agree with each other then, because a misplaced camera misreads the same way every
time. So the frame itself is searched for its row of digits (`locate.propose_boxes`, the
finder of the set-up page) and the configured boxes are compared with what it found: a box
whose centre lies more than MAX_OFFSET_X of its width (MAX_OFFSET_Y of its height) away from
the digit found under it, or a row whose digits stand at another pitch, means the boxes do
not sit on the digits and the frame is not read.

When no row of digits is found near the boxes (an unusual meter face, a dark frame) the check
has no opinion and the other safeguards decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stromzaehler.geometry import Box
from stromzaehler.recognition.locate import propose_boxes

# Farther than this share of a box's width (height) from the digit found under it, a box cuts
# the neighbour or the gap. On 945 shifted, rotated and zoomed copies of the reference frame
# (scripts/evaluate_frames.py) the first wrong readings came with boxes about 0.2 off, or
# 0.15 across and 0.18 up or down at once.
MAX_OFFSET_X = 0.18
MAX_OFFSET_Y = 0.2
# The located digits must stand at the boxes' pitch: a camera 2 % closer spreads them by 2 %.
MAX_SCALE_ERROR = 0.02
# Located digits (padded glyph boxes) of another height than the boxes are not theirs.
GLYPH_HEIGHT_RANGE = (0.5, 1.4)
# A located digit belongs to a box when its centre is within this share of the pitch.
MATCH_SHARE_OF_PITCH = 0.5


@dataclass(frozen=True)
class Placement:
    """The verdict: `misplaced` is None when no row of digits was found near the boxes."""

    misplaced: bool | None
    detail: str = ""  # what was measured, for logs and studies


def _pitch(centres: Sequence[float]) -> float:
    return float(np.median(np.diff(sorted(centres)))) if len(centres) > 1 else 0.0


def check_placement(frame_bgr: np.ndarray, boxes: Sequence[Box]) -> Placement:
    """Compare the boxes with the digits found in the frame."""
    if len(boxes) < 2:
        return Placement(None, detail="too few boxes to judge")
    box_centres = [b.centre for b in boxes]
    box_pitch = _pitch([x for x, _ in box_centres])
    if box_pitch <= 0:
        return Placement(None, detail="the boxes stand on top of each other")
    mean_h = float(np.mean([b.h for b in boxes]))
    row_y = float(np.median([y for _, y in box_centres]))
    # Only digits of about the boxes' size on the boxes' row count: a row of text elsewhere on
    # the meter, or texture that happens to look regular, says nothing.
    low, high = GLYPH_HEIGHT_RANGE
    found = [(f.centre, f.h / mean_h) for f in propose_boxes(frame_bgr)]
    near = [c for c, h in found if abs(c[1] - row_y) <= mean_h and low <= h <= high]
    enough = max(3, len(boxes) // 2 + 1)
    if len(near) < enough:
        return Placement(None, detail="no row of digits found near the boxes")
    pairs = []  # (box centre x, y, found centre x, y, box w, h)
    for box, (bx, by) in zip(boxes, box_centres, strict=True):
        fx, fy = min(near, key=lambda c: abs(c[0] - bx))
        if abs(fx - bx) <= MATCH_SHARE_OF_PITCH * box_pitch:
            pairs.append((bx, by, fx, fy, box.w, box.h))
    if len(pairs) < enough:
        return Placement(None, detail="too few boxes have a digit under them")
    bx, by, fx, fy, bw, bh = np.array(pairs, dtype=np.float64).T
    # Straight lines through the found digits along the row (scale and shift across, shift and
    # tilt up and down): one odd glyph, a "1" or a roller half-way, moves them little.
    scale, shift = np.polyfit(bx, fx, 1)
    tilt, lift = np.polyfit(bx, fy - by, 1)
    off_x = (scale * bx + shift - bx) / bw
    off_y = (tilt * bx + lift) / bh
    # A box off both ways at once is off sooner: inside an ellipse with these half axes.
    worst = float(np.hypot(off_x / MAX_OFFSET_X, off_y / MAX_OFFSET_Y).max())
    detail = (
        f"largest offset {float(np.abs(off_x).max()):.2f} of a box width, "
        f"{float(np.abs(off_y).max()):.2f} of a box height; "
        f"digits {100 * (scale - 1):+.1f} % wider apart than the boxes"
    )
    misplaced = bool(worst > 1.0 or abs(scale - 1.0) > MAX_SCALE_ERROR)
    return Placement(misplaced, detail)
