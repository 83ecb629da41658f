"""Camera-like augmentation of stored crops (STORE_H x STORE_W BGR uint8).

Covers what users and cameras do to a digit box: loose, tight and shifted boxes, small
rotation, blur, noise, glare, colour casts including the Pi camera's red LED light, darkness,
and JPEG compression. The vertical shift is kept small because the vertical offset of the
digit inside the box *is* the roller position.
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


def photometric(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    f = img.astype(np.float32)
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


def augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return photometric(jitter_box(img, rng), rng)


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
