"""Roller digits in stroke fonts, and the digit tape wrapped around a roller.

Two fonts: "din" (DIN 1451-like, the reference meter's) and "square" (straight strokes with
right-angled corners, as on several meters of the labelled digit crops). Glyphs are drawn as
thick strokes on a 4x supersampled canvas and reduced with area averaging, which gives
anti-aliased edges like a lens would. Coordinates of the strokes are in glyph units: x in
[0, 1] across the width, y in [0, 2] down the height.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

import cv2
import numpy as np

_SUPERSAMPLE = 4

# ("line", x0, y0, x1, y1) or ("arc", cx, cy, rx, ry, start_deg, end_deg); angles clockwise
# from +x because y points down.
_DIN: dict[int, list[tuple]] = {
    0: [("line", 0.1, 0.5, 0.1, 1.5), ("line", 0.9, 0.5, 0.9, 1.5),
        ("arc", 0.5, 0.5, 0.4, 0.45, 180, 360), ("arc", 0.5, 1.5, 0.4, 0.45, 0, 180)],
    1: [("line", 0.62, 0.03, 0.62, 1.97), ("line", 0.62, 0.03, 0.22, 0.42)],
    2: [("arc", 0.5, 0.5, 0.4, 0.45, 165, 380), ("line", 0.85, 0.78, 0.1, 1.95),
        ("line", 0.1, 1.95, 0.92, 1.95)],
    3: [("line", 0.12, 0.05, 0.86, 0.05), ("line", 0.86, 0.05, 0.42, 0.78),
        ("arc", 0.48, 1.36, 0.42, 0.6, -115, 145)],
    # DIN 1451 closed 4: the stem runs from the apex, so a 4 half-way into the window shows a
    # peak, not the single diagonal that the top of a 6 shows.
    4: [("line", 0.7, 0.03, 0.06, 1.42), ("line", 0.06, 1.42, 0.96, 1.42),
        ("line", 0.7, 0.03, 0.7, 1.97)],
    5: [("line", 0.86, 0.05, 0.2, 0.05), ("line", 0.2, 0.05, 0.15, 0.9),
        ("arc", 0.5, 1.35, 0.41, 0.6, -150, 145)],
    6: [("arc", 0.5, 1.4, 0.41, 0.56, 0, 360), ("line", 0.12, 1.25, 0.78, 0.03)],
    7: [("line", 0.06, 0.05, 0.94, 0.05), ("line", 0.94, 0.05, 0.34, 1.97)],
    8: [("arc", 0.5, 0.5, 0.35, 0.45, 0, 360), ("arc", 0.5, 1.44, 0.42, 0.52, 0, 360)],
    9: [("arc", 0.5, 0.6, 0.41, 0.56, 0, 360), ("line", 0.88, 0.75, 0.32, 1.97)],
}


def _path(*points: tuple[float, float]) -> list[tuple]:
    """A polyline as line strokes."""
    return [("line", *a, *b) for a, b in pairwise(points)]


# Square font: left, right, top, middle and bottom lines of the glyph box.
_L, _R, _T, _M, _B = 0.08, 0.92, 0.05, 1.0, 1.95
_SQUARE: dict[int, list[tuple]] = {
    0: _path((_L, _T), (_R, _T), (_R, _B), (_L, _B), (_L, _T)),
    1: _path((0.3, 0.3), (0.62, _T), (0.62, _B)),
    2: _path((_L, _T), (_R, _T), (_R, _M), (_L, _M), (_L, _B), (_R, _B)),
    3: _path((_L, _T), (_R, _T), (_R, _B), (_L, _B)) + _path((0.3, _M), (_R, _M)),
    4: _path((_L, _T), (_L, 1.3), (_R, 1.3)) + _path((0.7, 0.6), (0.7, _B)),
    5: _path((_R, _T), (_L, _T), (_L, _M), (_R, _M), (_R, _B), (_L, _B)),
    6: _path((_R, _T), (_L, _T), (_L, _B), (_R, _B), (_R, _M), (_L, _M)),
    7: _path((_L, 0.35), (_L, _T), (_R, _T), (_R, _B)),
    8: _path((_L, _T), (_R, _T), (_R, _B), (_L, _B), (_L, _T)) + _path((_L, _M), (_R, _M)),
    9: _path((_R, _M), (_L, _M), (_L, _T), (_R, _T), (_R, _B), (_L, _B)),
}
FONTS = {"din": _DIN, "square": _SQUARE}


@lru_cache(maxsize=32)
def glyph_mask(
    digit: int, width_px: int, height_px: int, stroke_px: float, font: str = "din"
) -> np.ndarray:
    """Coverage in [0, 1] (float32, height x width) of one digit filling the given size."""
    s = _SUPERSAMPLE
    pad = stroke_px / 2.0
    inner_w, inner_h = width_px - 2 * pad, height_px - 2 * pad
    canvas = np.zeros((height_px * s, width_px * s), dtype=np.uint8)
    thickness = max(1, round(stroke_px * s))

    def px(x: float, y: float) -> tuple[int, int]:
        return round((pad + x * inner_w) * s), round((pad + y / 2.0 * inner_h) * s)

    for stroke in FONTS[font][digit]:
        if stroke[0] == "line":
            cv2.line(canvas, px(stroke[1], stroke[2]), px(stroke[3], stroke[4]), 255, thickness)
        else:
            _, cx, cy, rx, ry, a0, a1 = stroke
            axes = (round(rx * inner_w * s), round(ry / 2.0 * inner_h * s))
            cv2.ellipse(canvas, px(cx, cy), axes, 0, a0, a1, 255, thickness)
    small = cv2.resize(canvas, (width_px, height_px), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


@lru_cache(maxsize=16)
def digit_tape(pitch_px: int, width_px: int, glyph_w_px: int, glyph_h_px: int,
               stroke_px: float, font: str = "din") -> np.ndarray:
    """Coverage of the unrolled roller surface: digit n centred at row n * pitch_px.

    Shape (10 * pitch_px, width_px); row 0 is the centre of the 0, and the tape wraps.
    """
    tape = np.zeros((10 * pitch_px, width_px), dtype=np.float32)
    x0 = (width_px - glyph_w_px) // 2
    for digit in range(10):
        mask = glyph_mask(digit, glyph_w_px, glyph_h_px, stroke_px, font)
        top = digit * pitch_px - glyph_h_px // 2
        rows = np.arange(top, top + glyph_h_px) % tape.shape[0]
        tape[rows, x0:x0 + glyph_w_px] = np.maximum(tape[rows, x0:x0 + glyph_w_px], mask)
    return tape


def roller_view(tape: np.ndarray, position: float, window_rows: np.ndarray) -> np.ndarray:
    """The tape as seen through the window at roller `position` (0..10).

    `window_rows` maps each row of the window to an arc offset on the tape (from the
    cylinder projection); rows are interpolated linearly for sub-pixel motion.
    """
    pitch = tape.shape[0] / 10.0
    coord = position * pitch + window_rows
    low = np.floor(coord)
    frac = (coord - low).astype(np.float32)[:, None]
    n = tape.shape[0]
    i0 = low.astype(np.int64) % n
    i1 = (i0 + 1) % n
    return tape[i0] * (1.0 - frac) + tape[i1] * frac
