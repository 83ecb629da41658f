"""JPEG/PNG in and out and digit crops cut at stored boxes: the web layer's only OpenCV use.

Kept to this module so the routes deal in bytes and boxes, never in image arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


class ImageError(ValueError):
    """An image file cannot be decoded or a box lies outside it."""


def decode_jpeg(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError("the image cannot be decoded")
    return image


def read_image(path: str) -> np.ndarray:
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(f"the image {path} cannot be read")
    return image


def cut_box(image: np.ndarray, box: Sequence[int]) -> np.ndarray:
    """The part of the image inside [x, y, w, h], clipped to the image."""
    x, y, w, h = (int(v) for v in box)
    height, width = image.shape[:2]
    left, top = max(x, 0), max(y, 0)
    right, bottom = min(x + w, width), min(y + h, height)
    if right <= left or bottom <= top:
        raise ImageError(f"box {[x, y, w, h]} lies outside the {width}x{height} image")
    return image[top:bottom, left:right]


def encode_png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ImageError("PNG encoding failed")
    return encoded.tobytes()
