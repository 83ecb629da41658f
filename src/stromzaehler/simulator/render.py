"""Camera frames of the meter: the meter face, the rollers, the disc, light and camera.

The scene is built in three layers, in the order light takes through a real camera:
1. albedo (meter-fixed, BGR reflectance 0..1): face, bars, counter band, rollers, disc, text;
2. the camera moves (per-frame jitter, bump), then the LED lights it (camera-fixed field with
   vignetting and the reflection of the LED as a glare spot), scaled by the exposure;
3. the sensor: defocus blur, noise with a column pattern, 8-bit clipping, JPEG.
Default values are tuned against ../shared/reference/meter-0995160.png (scripts/realism.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ..config import Box
from .glyphs import FONTS, digit_tape, roller_view

FRAME_W, FRAME_H = 640, 480
_NOISE_MARGIN = 64
REFERENCE_BOXES = (Box(19, 166, 46, 84), Box(109, 166, 46, 84), Box(200, 168, 46, 84),
                   Box(292, 169, 46, 84), Box(384, 169, 46, 84), Box(479, 170, 46, 84),
                   Box(576, 171, 46, 84))
DISC_WINDOW = Box(260, 355, 140, 50)

# BGR reflectances.
_FACE = np.array([0.90, 0.90, 0.92], np.float32)
_BLACK = np.array([0.26, 0.26, 0.28], np.float32)
_WHITE_DIGIT = np.array([0.88, 0.88, 0.88], np.float32)
_RED_PAINT = np.array([0.10, 0.08, 0.80], np.float32)
# The disc edge is polished metal: brighter than the matte face where it mirrors the LED
# (about 210 vs 160 in red on the reference). Its mark is matte paint, darker than the metal
# even under the red LED.
_ALUMINIUM = np.array([1.15, 1.15, 1.15], np.float32)
_DISC_MARK = np.array([0.05, 0.05, 0.40], np.float32)
# Light colours (BGR) as the Pi camera sees them: the red LED leaves a little in blue.
_LIGHTS = {"red": np.array([0.12, 0.006, 1.0], np.float32),
           "white": np.array([0.92, 0.97, 1.0], np.float32)}


@dataclass(frozen=True)
class RenderOptions:
    """How the meter looks and how the camera sees it."""

    n_rollers: int = 7
    decimals: int = 1
    light: Literal["red", "white"] = "red"
    rollers: Literal["white_on_black", "black_on_white"] = "white_on_black"
    red_decimal_rollers: bool = False
    # BGR reflectances (0..1) overriding `rollers`: red digits on white, pink on brown, ...
    roller_bgr: tuple[float, float, float] | None = None
    digit_bgr: tuple[float, float, float] | None = None
    digit_boxes: tuple[Box, ...] | None = None   # default: reference boxes, or evenly spaced
    disc_window: Box = DISC_WINDOW
    pitch_px: int = 88            # arc length between two digits on a roller
    glyph_w_px: int = 50
    glyph_h_px: int = 84
    stroke_px: float = 12.0
    font: Literal["din", "square"] = "din"   # glyphs.FONTS
    exposure: float = 205.0       # 8-bit red value of the white face at the brightest spot
    exposure_drift: float = 0.06  # relative, slow (hours) plus a little per frame
    blur_sigma_px: float = 1.8
    noise_sigma: float = 9.0      # per pixel, 8-bit units, red channel at full signal
    noise_channel_gain: tuple[float, float, float] = (1.8, 0.4, 1.0)   # B, G, R
    column_noise_sigma: float = 2.0
    jpeg_quality: int = 88
    jitter_shift_px: float = 1.0
    jitter_rotation_deg: float = 0.15
    jitter_scale: float = 0.003
    roller_rest_offset_px: float = 2.5   # spread of the per-meter offsets of the rollers
    glare: bool = True
    glare_center: tuple[int, int] = (252, 93)

    def __post_init__(self) -> None:
        if not 5 <= self.n_rollers <= 8:
            raise ValueError(f"n_rollers must be 5..8, got {self.n_rollers}")
        if not 0 <= self.decimals <= 2:
            raise ValueError(f"decimals must be 0..2, got {self.decimals}")
        if self.light not in _LIGHTS:
            raise ValueError(f"light must be 'red' or 'white', got {self.light!r}")
        if self.font not in FONTS:
            raise ValueError(f"font must be one of {sorted(FONTS)}, got {self.font!r}")
        if self.digit_boxes is not None and len(self.digit_boxes) != self.n_rollers:
            raise ValueError("digit_boxes needs one box per roller")

    def boxes(self) -> tuple[Box, ...]:
        if self.digit_boxes is not None:
            return self.digit_boxes
        if self.n_rollers == 7:
            return REFERENCE_BOXES
        # Same pitch and slope as the reference, centred in the frame.
        pitch = min((REFERENCE_BOXES[-1].x - REFERENCE_BOXES[0].x) / 6.0,
                    (FRAME_W - 46 - 24) / (self.n_rollers - 1))
        x0 = FRAME_W / 2 - pitch * (self.n_rollers - 1) / 2 - 23
        return tuple(Box(round(x0 + i * pitch), 166 + round(5 * i / 6), 46, 84)
                     for i in range(self.n_rollers))


@dataclass
class CameraState:
    """Per-frame pose and exposure of the camera relative to the meter."""

    shift_px: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0
    scale: float = 1.0
    exposure_gain: float = 1.0
    extra_blur_sigma_px: float = 0.0


class Renderer:
    """Renders frames for one set of options; static layers are built once."""

    def __init__(self, options: RenderOptions | None = None) -> None:
        self.options = options or RenderOptions()
        o = self.options
        self.boxes = o.boxes()
        self._face = self._build_face()
        self._lit = self._build_light_field() * (_LIGHTS[o.light] * o.exposure)
        # Blue is noisier than red after the camera's colour correction (measured on the
        # reference).
        noise_rng = np.random.default_rng(0x5E4503)
        noise = noise_rng.standard_normal((FRAME_H + _NOISE_MARGIN, FRAME_W, 3), dtype=np.float32)
        noise *= o.noise_sigma * np.asarray(o.noise_channel_gain, np.float32)
        self._noise = noise.reshape(-1)
        self._tape = digit_tape(o.pitch_px, 60, o.glyph_w_px, o.glyph_h_px, o.stroke_px, o.font)
        # Cylinder projection: window row v (from the digit centre) shows arc R * asin(v / R).
        radius = 10 * o.pitch_px / (2 * math.pi)
        self._window_top, self._window_bottom = -47, 55   # rows relative to the digit centre
        v = np.arange(self._window_top, self._window_bottom, dtype=np.float64) + 0.5
        self._window_arc = radius * np.arcsin(np.clip(v / radius, -1, 1))
        self._window_shade = np.sqrt(np.cos(np.arcsin(np.clip(v / radius, -1, 1)))).astype(
            np.float32)[:, None, None]

    # -- static layers ----------------------------------------------------------------------
    def _band_colours(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(background, digit) reflectance of roller `index`."""
        o = self.options
        background, digit = _BLACK, _WHITE_DIGIT
        if o.rollers == "black_on_white":
            background, digit = _WHITE_DIGIT, np.array([0.12, 0.12, 0.12], np.float32)
        if o.roller_bgr is not None:
            background = np.array(o.roller_bgr, np.float32)
        if o.digit_bgr is not None:
            digit = np.array(o.digit_bgr, np.float32)
        if o.red_decimal_rollers and index >= o.n_rollers - o.decimals:
            background = _RED_PAINT
        return background, digit

    def _build_face(self) -> np.ndarray:
        img = np.empty((FRAME_H, FRAME_W, 3), np.float32)
        img[:] = _FACE
        black = tuple(float(c) for c in _BLACK * 0.8)
        first, last = self.boxes[0], self.boxes[-1]
        left, right = max(0, first.x - 20), min(FRAME_W, last.x + last.w + 10)
        top_l, top_r = first.y - 54, last.y - 54
        bar = np.array([[0, top_l], [right - 80, top_r], [right - 70, top_r + 12],
                        [right - 80, top_r + 24], [0, top_l + 24]], np.int32)
        cv2.fillPoly(img, [bar], black)
        low_l, low_r = first.y + first.h + 34, last.y + last.h + 34
        bar = np.array([[0, low_l], [right - 85, low_r], [right - 95, low_r + 22],
                        [0, low_l + 22]], np.int32)
        cv2.fillPoly(img, [bar], black)
        band = np.array([[left, first.y - 9], [right, last.y - 9],
                         [right, last.y + last.h + 13], [left, first.y + first.h + 13]], np.int32)
        cv2.fillPoly(img, [band], tuple(float(c) for c in self._band_colours(0)[0]))
        # Disc window: dark opening; the disc edge is drawn per frame.
        d = self.options.disc_window
        cv2.rectangle(img, (d.x, d.y), (d.x + d.w, d.y + d.h + 5), black, -1)
        # Maker's text and marks at the bottom, cut by the frame edge like on the real meter.
        cv2.putText(img, "stromzahler", (-4, 476), cv2.FONT_HERSHEY_SIMPLEX, 1.45, black, 4,
                    cv2.LINE_AA)
        cv2.line(img, (415, 434), (415, 480), black, 3)
        cv2.circle(img, (496, 466), 26, black, 4, cv2.LINE_AA)
        cv2.rectangle(img, (556, 438), (612, 490), black, 4)
        return img

    def _build_light_field(self) -> np.ndarray:
        """Relative illumination: the LED's cone around its reflection, plus vignetting."""
        gx, gy = self.options.glare_center
        yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
        cone = np.exp(-((xx - gx + 12) ** 2 + (yy - gy + 30) ** 2) / (2 * 280.0**2))
        r2 = ((xx - FRAME_W / 2) ** 2 + (yy - FRAME_H / 2) ** 2) / (FRAME_W / 2) ** 2
        vignette = 1.0 / (1.0 + 0.12 * r2) ** 2
        return ((0.45 + 0.55 * cone) * vignette)[:, :, None].astype(np.float32)

    # -- per frame --------------------------------------------------------------------------
    def albedo(self, roller_positions: Sequence[float], disc_angle_deg: float,
               rest_offsets_px: Sequence[float] | None = None) -> np.ndarray:
        """Reflectance image of the meter with rollers and disc at the given state.

        `rest_offsets_px` shifts each roller's digits up (positive) by a few pixels: real rollers
        rest slightly off their nominal position (up to 6 px on the reference frame), which the
        roller positions of the truth do not include.
        """
        img = self._face.copy()
        offsets = rest_offsets_px if rest_offsets_px is not None else [0.0] * len(self.boxes)
        for index, (box, position, offset) in enumerate(
                zip(self.boxes, roller_positions, offsets, strict=True)):
            background, digit = self._band_colours(index)
            cy = box.y + box.h // 2
            y0, y1 = cy + self._window_top, cy + self._window_bottom
            x0 = box.x + box.w // 2 - self._tape.shape[1] // 2
            view = roller_view(self._tape, position, self._window_arc + offset)[:, :, None]
            colour = background + (digit - background) * view
            colour *= self._window_shade
            sy0, sx0 = max(0, y0), max(0, x0)
            sy1, sx1 = min(FRAME_H, y1), min(FRAME_W, x0 + colour.shape[1])
            img[sy0:sy1, sx0:sx1] = colour[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]
        self._draw_disc(img, disc_angle_deg)
        return img

    def _draw_disc(self, img: np.ndarray, disc_angle_deg: float) -> None:
        d = self.options.disc_window
        edge_y0, edge_y1 = d.y + int(d.h * 0.62), d.y + int(d.h * 0.92)
        x = np.arange(d.x + 4, d.x + d.w - 4, dtype=np.float32)
        sheen = 1.0 + 0.4 * np.exp(-(((x - (d.x + 0.45 * d.w)) / (0.25 * d.w)) ** 2))
        img[edge_y0:edge_y1, d.x + 4:d.x + d.w - 4] = sheen[:, None] * _ALUMINIUM
        # The mark passes the window in the front quarter of a revolution.
        angle = math.radians(disc_angle_deg)
        if math.cos(angle) > 0.2:
            cx = d.x + d.w / 2 + 0.5 * d.w * math.sin(angle) / math.sin(math.acos(0.2))
            half = 7 * math.cos(angle)
            x0, x1 = int(max(d.x + 4, cx - half)), int(min(d.x + d.w - 4, cx + half))
            if x1 > x0:
                img[edge_y0:edge_y1, x0:x1] = _DISC_MARK

    def expose(self, albedo: np.ndarray, camera: CameraState, rng: np.random.Generator,
               glare_spots: Sequence[tuple[int, int, float]] = ()) -> np.ndarray:
        """Camera pose, light, glare, blur, noise, JPEG: reflectance -> BGR uint8 frame."""
        o = self.options
        matrix = cv2.getRotationMatrix2D((FRAME_W / 2, FRAME_H / 2), camera.rotation_deg,
                                         camera.scale)
        matrix[:, 2] += camera.shift_px
        moved = cv2.warpAffine(albedo, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        radiance = np.multiply(moved, self._lit, out=moved)
        radiance *= camera.exposure_gain
        spots = list(glare_spots)
        if o.glare:
            spots.append((*o.glare_center, 1.0))
        for x, y, strength in spots:
            _add_glare(radiance, x, y, strength)
        sigma = math.hypot(o.blur_sigma_px, camera.extra_blur_sigma_px)
        if sigma > 0.3:
            radiance = cv2.GaussianBlur(radiance, (0, 0), sigma)
        # Sensor noise: a random window of a fixed noise field (drawing 0.9 M normals per
        # frame would cost more than the rest of the frame), stronger where it is brighter
        # (shot noise, following the red channel), plus the read-out column pattern.
        # (OpenCV's element-wise ops on contiguous arrays are about four times faster here.)
        start = 3 * int(rng.integers(0, _NOISE_MARGIN * FRAME_W))   # keeps the channel order
        noise = self._noise[start:start + FRAME_H * FRAME_W * 3].reshape(FRAME_H, FRAME_W, 3)
        level = cv2.cvtColor(np.ascontiguousarray(radiance[:, :, 2]), cv2.COLOR_GRAY2BGR)
        level = cv2.addWeighted(level, 0.6 / 255, level, 0.0, 0.4)
        radiance = cv2.add(radiance, cv2.multiply(noise, level))
        radiance += rng.standard_normal((1, FRAME_W, 1), dtype=np.float32) * o.column_noise_sigma
        np.clip(radiance, 0, 255, out=radiance)
        frame = radiance.astype(np.uint8)
        if o.jpeg_quality < 100:
            ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, o.jpeg_quality])
            if ok:
                frame = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
        return frame


def _add_glare(radiance: np.ndarray, x: int, y: int, strength: float) -> None:
    """A specular reflection: a saturated core and a soft halo, brightest in the light."""
    radius = int(60 * max(strength, 0.5))
    y0, y1 = max(0, y - radius), min(FRAME_H, y + radius)
    x0, x1 = max(0, x - radius), min(FRAME_W, x + radius)
    if y1 <= y0 or x1 <= x0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    r2 = (xx - x) ** 2 + (yy - y) ** 2
    # Measured on the reference: a white core of about 19 px, saturated in every channel,
    # inside a halo with blue at about half of red and no green.
    core_r = 6.0 * strength
    core = np.exp(-r2 / (2 * core_r**2))[:, :, None] * np.array([900, 900, 900], np.float32)
    halo = np.exp(-r2 / (2 * (3.0 * core_r) ** 2))[:, :, None] * np.array([50, 0, 60],
                                                                        np.float32)
    radiance[y0:y1, x0:x1] += core + halo * strength
