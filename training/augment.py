"""Camera-like augmentation of stored crops (STORE_H x STORE_W BGR uint8).

Covers what users and cameras do to a digit box: loose, tight and shifted boxes, small
rotation, blur, noise, glare spots (reflection streaks and bands only when asked), colour casts
including the Pi camera's red LED light, darkness, and JPEG compression. The vertical shift
is kept small because the vertical offset of the digit inside the box *is* the roller
position.
"""

from __future__ import annotations

import cv2
import numpy as np

from training.data import STORE_H, STORE_W


def jitter_box(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    scale = rng.uniform(0.82, 1.18)  # >1: loose box (more surroundings), <1: tight box
    aspect = rng.uniform(0.88, 1.12)
    angle = rng.uniform(-3.0, 3.0)
    dx = rng.uniform(-0.08, 0.08) * w
    dy = rng.uniform(-0.035, 0.035) * h
    # Map output pixels to a scaled/rotated/shifted box around the crop centre.
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0 / scale)
    m[0, :2] *= aspect
    m[0, 2] += dx + (1 - aspect) * w / 2.0
    m[1, 2] += dy
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def beside_the_roller(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A loose box also takes in what is beside the roller - the dark gap to the next roller,
    a frame, a coloured separator: a bar of 1 px to a fifth of the width at either edge."""
    out = img.copy()
    h, w = out.shape[:2]
    for left in (True, False):
        if rng.random() < 0.5:
            continue
        width = int(rng.integers(1, w // 5 + 1))
        colour = rng.uniform(0, 255, size=3) * (rng.uniform(0.0, 0.4) if rng.random() < 0.6 else 1)
        bar = colour[None, None, :] + rng.normal(0.0, 6.0, size=(h, width, 3))
        cols = slice(0, width) if left else slice(w - width, w)
        out[:, cols] = np.clip(bar, 0, 255).astype(np.uint8)
    return out


def reflection_streak(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The light mirrored in the counter's window pane: a thin bright line across the crop,
    at any height, nearly horizontal, over part or all of the width. It adds a stroke that
    is not on the roller, so the label stays."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = rng.uniform(0.1, 0.9) * h + rng.uniform(-0.08, 0.08) * (xx - w / 2.0)
    half_width = rng.uniform(0.5, 3.0)
    line = np.exp(-0.5 * ((yy - centre) / half_width) ** 2)
    if rng.random() < 0.5:
        # The reflection ends somewhere across the crop, with a soft end.
        end = rng.uniform(0.3, 0.9) * w
        side = 1.0 if rng.random() < 0.5 else -1.0
        line *= 1.0 / (1.0 + np.exp(side * (xx - end) / 2.0))
    tint = np.array([1.0, 1.0, 1.0]) if rng.random() < 0.6 else rng.uniform(0.5, 1.0, size=3)
    f = img.astype(np.float32) + line[:, :, None] * rng.uniform(60, 200) * tint[None, None, :]
    return np.clip(f, 0, 255).astype(np.uint8)


def reflection_band(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A broad bright band across the lower half of the window: the light mirrored in a
    curved window pane (the square-font 3 read as 5 under such a band). Soft-edged, a tenth
    to a third of the crop high, nearly horizontal, white or tinted; the label stays."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = rng.uniform(0.45, 0.9) * h + rng.uniform(-0.1, 0.1) * (xx - w / 2.0)
    half_height = rng.uniform(0.05, 0.16) * h
    band = 1.0 / (1.0 + np.exp((np.abs(yy - centre) - half_height) / rng.uniform(0.8, 3.0)))
    tint = np.array([1.0, 1.0, 1.0]) if rng.random() < 0.6 else rng.uniform(0.5, 1.0, size=3)
    strength = rng.uniform(50, 180)
    f = img.astype(np.float32)
    if rng.random() < 0.5:
        # Washed out: the band also lowers the contrast below it, not only adds light.
        f = f * (1.0 - 0.5 * band[:, :, None]) + 0.5 * band[:, :, None] * f.mean()
    f += band[:, :, None] * strength * tint[None, None, :]
    return np.clip(f, 0, 255).astype(np.uint8)


def photometric(img: np.ndarray, rng: np.random.Generator, shuffle: float = 0.0) -> np.ndarray:
    f = img.astype(np.float32)
    if rng.random() < shuffle:
        # Digit and roller colours vary (white on black, black on white, red on white, white
        # on red): any colour may carry the contrast.
        f = f[:, :, rng.permutation(3)]
    if rng.random() < 0.3:
        # Red LED as the only light: the scene brightness ends up almost only in red.
        grey = f.mean(axis=2)
        gains = np.array([rng.uniform(0.03, 0.25), rng.uniform(0.0, 0.08), rng.uniform(0.6, 1.3)])
        f = grey[:, :, None] * gains[None, None, :].astype(np.float32)
    elif rng.random() < 0.5:
        f *= rng.uniform(0.6, 1.4, size=3).astype(np.float32)[None, None, :]
    if rng.random() < 0.1:
        f = 255.0 - f
    # Contrast, brightness and darkness (the reference frame is dim and low-contrast).
    f = (f - 128.0) * rng.uniform(0.5, 1.3) + 128.0 + rng.uniform(-40, 40)
    if rng.random() < 0.3:
        f *= rng.uniform(0.15, 0.7)
    if rng.random() < 0.25:
        yy, xx = np.mgrid[0:STORE_H, 0:STORE_W].astype(np.float32)
        cy, cx = rng.uniform(0, STORE_H), rng.uniform(0, STORE_W)
        sigma = rng.uniform(2.0, 14.0)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2))
        tint = np.array([1.0, 1.0, 1.0]) if rng.random() < 0.5 else np.array([0.4, 0.3, 1.0])
        f += blob[:, :, None] * rng.uniform(60, 220) * tint[None, None, :].astype(np.float32)
    if rng.random() < 0.45:
        f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.6, 2.2))
    if rng.random() < 0.5:
        f += rng.normal(0.0, rng.uniform(2.0, 16.0), size=f.shape).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 85))])
        if ok:
            out = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return out


def augment(
    img: np.ndarray,
    rng: np.random.Generator,
    bars: float = 0.0,
    shuffle: float = 0.0,
    streaks: float = 0.0,
    bands: float = 0.0,
) -> np.ndarray:
    img = jitter_box(img, rng)
    if rng.random() < bars:
        img = beside_the_roller(img, rng)
    # Drawn only when asked, so that recipes without them stay reproducible.
    if streaks > 0 and rng.random() < streaks:
        img = reflection_streak(img, rng)
    if bands > 0 and rng.random() < bands:
        img = reflection_band(img, rng)
    return photometric(img, rng, shuffle)


def occluded(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Something in front of the roller: a cable across 20-60 % of the crop's height or a
    finger over 30-70 % of its width, one colour with soft edges. The roller position is
    then not in the picture; such crops are trained as "no digit"."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    if rng.random() < 0.6:
        size = int(rng.uniform(0.2, 0.6) * h)
        top = int(rng.integers(0, h - size + 1))
        mask[top : top + size, :] = 1.0
    else:
        size = int(rng.uniform(0.3, 0.7) * w)
        left = int(rng.integers(0, w - size + 1))
        mask[:, left : left + size] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), 1.2)[:, :, None]
    colour = rng.uniform(40, 255) * np.array([rng.uniform(0.5, 1.0), rng.uniform(0.6, 1.0), 1.0])
    out = img.astype(np.float32) * (1.0 - mask) + colour.astype(np.float32)[None, None, :] * mask
    return np.clip(out, 0, 255).astype(np.uint8)


def blank_crop(rng: np.random.Generator) -> np.ndarray:
    """A crop with no digit: flat, dark, gradient or noise, sometimes with glare."""
    base = rng.uniform(0, 255, size=3).astype(np.float32)
    if rng.random() < 0.5:
        base *= rng.uniform(0.0, 0.2)  # dark frame
    f = np.ones((STORE_H, STORE_W, 3), np.float32) * base[None, None, :]
    if rng.random() < 0.5:
        ramp = np.linspace(0, 1, STORE_H, dtype=np.float32)[:, None, None]
        f += ramp * rng.uniform(-60, 60, size=3).astype(np.float32)[None, None, :]
    f += rng.normal(0.0, rng.uniform(1.0, 25.0), size=f.shape).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        out = photometric(out, rng)
    return out
