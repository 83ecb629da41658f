"""JPEG/PNG in and out and digit crops cut at stored boxes.

The web routes call `box_png` and `decode_jpeg`'s users in capture/ with bytes and boxes and
never see an image array: OpenCV stays below the web layer.
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


def box_png(path: str, box: Sequence[int]) -> bytes:
    """The part of the image file inside [x, y, w, h] as PNG (a digit crop for review)."""
    return encode_png(cut_box(read_image(path), box))


def box_pngs(path: str, boxes: Sequence[Sequence[int]]) -> list[bytes | None]:
    """One PNG per box of the image file (None for a box outside it); ImageError when the file
    cannot be read."""
    image = read_image(path)
    pngs: list[bytes | None] = []
    for box in boxes:
        try:
            pngs.append(encode_png(cut_box(image, box)))
        except ImageError:
            pngs.append(None)
    return pngs
