"""Register each frame against a reference of the counter region taken at set-up.

The reference is a full camera frame saved at set-up (`reference.png` in the data dir); the
digit boxes are drawn in its coordinates. Each frame is matched against the counter band of the
reference (the union of the digit boxes plus a margin) at half resolution: a normalised
template match finds the shift, then ECC (`cv2.findTransformECC`, affine) refines shift,
rotation and scale. ECC's correlation coefficient is invariant to brightness and contrast, so
a dark or overexposed frame still registers; a frame whose best correlation stays low (the
counter is occluded or washed out, the camera points elsewhere) is reported as not aligned.
The threshold (0.8) is set from simulated frames: clean frames registered at >= 0.89 (1st
percentile of 1141), while frames with a hand, a cable or no light in front of the counter,
where the digit model most often read a wrong digit with confidence, mostly fell below it.
A strong reflection makes ECC fail outright, so those frames are rejected as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from stromzaehler.geometry import Box
from stromzaehler.recognition.focus import frame_focus

SCALE = 0.25  # registration runs at quarter resolution (accurate to ~1 px, 4x faster)
# A digit box may stick out of the frame by this share of its size; more, and the roller is
# cut off: half a 0 at the frame's edge looks like a 1 (seen after a simulated camera bump).
OUT_OF_VIEW_TOLERANCE = 0.15
BAND_MARGIN_PX = 16  # reference pixels around the digit boxes that enter the template
MAX_SHIFT_PX = 40  # reference pixels the coarse search covers in each direction
MIN_CORRELATION = 0.8  # ECC correlation below which a frame is not trusted (see docstring)
MAX_ANGLE_DEG = 10.0  # total camera rotation, knocks included
MAX_SCALE_CHANGE = 0.15
COARSE_ANGLES_DEG = (0.0, -2.5, 2.5)
ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4)


@dataclass(frozen=True)
class Alignment:
    """How a frame lies relative to the reference; `matrix` maps reference -> frame pixels."""

    ok: bool
    matrix: np.ndarray | None  # 2x3 float64
    correlation: float
    shift_px: tuple[float, float] = (0.0, 0.0)
    angle_deg: float = 0.0
    scale: float = 1.0

    def map_box(self, box: Box) -> Box:
        """The box as it lies in the frame (axis-aligned, same centre, scaled size)."""
        if self.matrix is None:
            return box
        cx, cy = box.centre
        fx, fy = self.matrix @ np.array([cx, cy, 1.0])
        w, h = box.w * self.scale, box.h * self.scale
        return Box(round(fx - w / 2), round(fy - h / 2), round(w), round(h))


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image


def _small(gray: np.ndarray) -> np.ndarray:
    small = cv2.resize(gray, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)


def _band(boxes: Sequence[Box], width: int, height: int) -> tuple[int, int, int, int]:
    """Union of the boxes plus margin, clipped to the image: x0, y0, x1, y1 (exclusive)."""
    x0 = max(0, min(b.x for b in boxes) - BAND_MARGIN_PX)
    y0 = max(0, min(b.y for b in boxes) - BAND_MARGIN_PX)
    x1 = min(width, max(b.x + b.w for b in boxes) + BAND_MARGIN_PX)
    y1 = min(height, max(b.y + b.h for b in boxes) + BAND_MARGIN_PX)
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise ValueError("the digit boxes lie outside the reference image")
    return x0, y0, x1, y1


class Reference:
    """The counter band of the set-up frame, ready to register frames against."""

    def __init__(self, image_bgr: np.ndarray, boxes: Sequence[Box]) -> None:
        if not boxes:
            raise ValueError("a reference needs the digit boxes")
        gray = _gray(image_bgr)
        self.image_shape = gray.shape[:2]
        height, width = self.image_shape
        x0, y0, x1, y1 = _band(boxes, width, height)
        small = _small(gray)
        self._origin = (int(x0 * SCALE), int(y0 * SCALE))
        sx1, sy1 = int(x1 * SCALE), int(y1 * SCALE)
        self._template = small[self._origin[1] : sy1, self._origin[0] : sx1].copy()
        if float(self._template.std()) < 2.0:
            raise ValueError("the reference counter band has no contrast")
        # How sharp the set-up frame's rollers are: later frames are compared with it (focus.py).
        self.focus = frame_focus([crop_aligned(image_bgr, box, None) for box in boxes])
        # A wide band rotated by a few degrees no longer matches the upright template well
        # enough for the coarse search, so it also tries templates cut from rotated copies.
        centre = ((self._origin[0] + sx1) / 2.0, (self._origin[1] + sy1) / 2.0)
        self._coarse_templates: list[np.ndarray] = []
        for angle in COARSE_ANGLES_DEG:
            rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
            rotated = cv2.warpAffine(small, rotation, (small.shape[1], small.shape[0]))
            self._coarse_templates.append(
                rotated[self._origin[1] : sy1, self._origin[0] : sx1].copy()
            )

    def register(self, frame_bgr: np.ndarray, hint: np.ndarray | None = None) -> Alignment:
        """Find the transform that maps reference pixels onto this frame.

        `hint` is the matrix found for an earlier frame: a camera that was knocked stays where
        it is, so the frame is first brought back through the hint and searched from there
        (knocks add up beyond the search range). Without a hint, or when the hinted search
        fails, the search starts from the reference position.
        """
        if hint is not None:
            gray = _gray(frame_bgr)
            height, width = gray.shape[:2]
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            back = cv2.warpAffine(gray, hint, (width, height), flags=flags)
            # Where the camera no longer sees the counter band, the warped frame is black;
            # ECC ignores those pixels instead of counting them as a mismatch.
            seen = cv2.warpAffine(np.full_like(gray, 255), hint, (width, height), flags=flags)
            found = self._register(back, seen)
            if found.ok and found.matrix is not None:
                matrix = (_as_3x3(hint) @ _as_3x3(found.matrix))[:2]
                return _alignment(matrix, found.correlation)
        return self._register(frame_bgr)

    def _register(self, frame: np.ndarray, seen: np.ndarray | None = None) -> Alignment:
        """Register a frame; `seen` (uint8, frame-sized) marks the pixels that show the scene."""
        region, (rx, ry) = self._search_region(frame)
        mask = None
        if seen is not None and int(seen.min()) < 255:
            # Only pixels fully inside the seen part at quarter resolution, after the blur.
            mask = (self._search_region(seen)[0] >= 254.5).astype(np.uint8)
        coarse = self._coarse_shift(region, rx, ry)
        if coarse is None:
            return Alignment(False, None, 0.0)
        ox, oy = self._origin
        # ECC works on the search region only (its cost grows with the input image size).
        warp = np.array(
            [[1, 0, ox + coarse[0] - rx], [0, 1, oy + coarse[1] - ry]], dtype=np.float32
        )
        try:
            correlation, warp = cv2.findTransformECC(
                self._template, region, warp, cv2.MOTION_AFFINE, ECC_CRITERIA, mask, 1
            )
        except cv2.error:
            return Alignment(False, None, 0.0)
        warp = warp.astype(np.float64)
        warp[:, 2] += (rx, ry)
        return _alignment(_to_full_resolution(warp, ox, oy), float(correlation))

    def _search_region(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """The reduced part of the frame where the band can lie, and its origin (reduced
        pixels). Cut before converting so that only this part is converted and resized."""
        reach = int(MAX_SHIFT_PX * SCALE)
        th, tw = self._template.shape
        ox, oy = self._origin
        step = round(1 / SCALE)
        x0, y0 = max(0, ox - reach), max(0, oy - reach)
        x1 = min(frame_bgr.shape[1] // step, ox + tw + reach)
        y1 = min(frame_bgr.shape[0] // step, oy + th + reach)
        cut = frame_bgr[y0 * step : y1 * step, x0 * step : x1 * step]
        return _small(_gray(cut)), (x0, y0)

    def _coarse_shift(self, region: np.ndarray, rx: int, ry: int) -> tuple[float, float] | None:
        """Shift (in half-resolution pixels) of the best normalised template match."""
        th, tw = self._template.shape
        if region.shape[0] < th or region.shape[1] < tw:
            return None
        best_score, best = -2.0, (0, 0)
        for template in self._coarse_templates:
            scores = cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED)
            _, score, _, location = cv2.minMaxLoc(scores)
            if score > best_score:
                best_score, best = score, location
        return float(best[0] + rx - self._origin[0]), float(best[1] + ry - self._origin[1])


def _as_3x3(matrix: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(matrix, dtype=np.float64), [0.0, 0.0, 1.0]])


def _alignment(matrix: np.ndarray, correlation: float) -> Alignment:
    """Judge a reference -> frame matrix: a good correlation and a plausible camera pose."""
    linear = matrix[:, :2]
    scale = math.sqrt(abs(float(np.linalg.det(linear))))
    angle = math.degrees(math.atan2(linear[1, 0], linear[0, 0]))
    shift = (float(matrix[0, 2]), float(matrix[1, 2]))
    ok = (
        correlation >= MIN_CORRELATION
        and abs(angle) <= MAX_ANGLE_DEG
        and abs(scale - 1.0) <= MAX_SCALE_CHANGE
    )
    return Alignment(ok, matrix if ok else None, correlation, shift, angle, scale)


def _to_full_resolution(warp: np.ndarray, ox: int, oy: int) -> np.ndarray:
    """ECC's warp (template coords at half resolution -> frame at half resolution) as a
    reference -> frame matrix at full resolution."""
    linear = warp[:, :2]
    offset = warp[:, 2] - linear @ np.array([ox, oy], dtype=np.float64)
    return np.hstack([linear, (offset / SCALE)[:, None]])


def box_in_view(
    frame_shape: tuple[int, ...],
    box: Box,
    matrix: np.ndarray | None,
    tolerance: float = OUT_OF_VIEW_TOLERANCE,
) -> bool:
    """Whether the box, carried into the frame by `matrix`, lies inside it - up to
    `tolerance` of its width and height, since boxes are drawn with room around the digit."""
    left, top, right, bottom = box.x, box.y, box.x + box.w, box.y + box.h
    corners = np.array(
        [[left, top], [right, top], [left, bottom], [right, bottom]], dtype=np.float64
    )
    if matrix is not None:
        corners = corners @ matrix[:, :2].T + matrix[:, 2]
    height, width = frame_shape[:2]
    slack = np.array([tolerance * box.w, tolerance * box.h])
    return bool(np.all(corners >= -slack) and np.all(corners <= np.array([width, height]) + slack))


def crop_aligned(frame_bgr: np.ndarray, box: Box, matrix: np.ndarray | None) -> np.ndarray:
    """The box's pixels, upright: a plain cut without a matrix, else resampled through it.

    Parts of the box outside the frame repeat the border pixels.
    """
    if matrix is None:
        height, width = frame_bgr.shape[:2]
        if box.x >= 0 and box.y >= 0 and box.x + box.w <= width and box.y + box.h <= height:
            return frame_bgr[box.y : box.y + box.h, box.x : box.x + box.w]
        matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    to_box = np.array([[1.0, 0.0, box.x], [0.0, 1.0, box.y], [0.0, 0.0, 1.0]])
    box_to_frame = matrix @ to_box
    return cv2.warpAffine(
        frame_bgr,
        box_to_frame,
        (box.w, box.h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def save_reference(path: Path, frame_bgr: np.ndarray) -> None:
    """Store the set-up frame (PNG, lossless) as the reference for later frames."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), frame_bgr):
        raise OSError(f"could not write the reference image {path}")


def load_reference(path: Path, boxes: Sequence[Box]) -> Reference:
    """The reference stored by `save_reference`, with the digit boxes drawn on it."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"could not read the reference image {path}")
    return Reference(image, boxes)
