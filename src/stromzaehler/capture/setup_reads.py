"""What the set-up page asks of the newest live frame (JPEG bytes from the capture loop): a
test read with boxes that are not saved yet, and digit boxes proposed automatically.

Here rather than in web/ so that the routes hand over bytes and settings and get JSON-ready
values back, and OpenCV stays below the web layer.
"""

from __future__ import annotations

from typing import Any

from ..config import MeterGeometry
from ..recognition.digits import DigitModel
from ..recognition.locate import propose_boxes
from ..recognition.reading import MeterReader
from ..recognition.result_view import reading_view
from ..sources.images import decode_jpeg


def load_digit_model() -> DigitModel:
    """The packaged digit model (loading takes longer than a read: callers keep it)."""
    return DigitModel.load()


def read_with_geometry(jpeg: bytes, geometry: MeterGeometry, model: DigitModel) -> dict[str, Any]:
    """The read-result view of the frame with `geometry`; ImageError when it cannot be decoded."""
    reader = MeterReader(geometry, model=model)
    return reading_view(reader.read(decode_jpeg(jpeg)))


def proposed_boxes(jpeg: bytes, count: int) -> list[list[int]]:
    """`count` digit boxes found on the frame as [x, y, w, h]; [] when none were found."""
    boxes = propose_boxes(decode_jpeg(jpeg), count)
    return [[int(b.x), int(b.y), int(b.w), int(b.h)] for b in boxes]
