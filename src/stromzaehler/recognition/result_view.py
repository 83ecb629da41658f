"""One JSON view of a read result, for `stromzaehler read --json`, `/api/setup/test-read` and
the live outcome (`/api/live`, the frame log): the same keys and the same rounding everywhere."""

from __future__ import annotations

from typing import Any


def digit_view(reading: Any) -> dict[str, Any]:
    """`{digit, value, confidence}` of one roller (a DigitReading or alike)."""
    return {
        "digit": reading.digit,
        # 9.9996 rounds to 10.0, which is 0.0 on the roller's [0, 10) scale.
        "value": round(float(reading.value), 3) % 10.0,
        "confidence": round(float(reading.confidence), 4),
    }


def reading_view(result: Any) -> dict[str, Any]:
    """reading, counter_wh, kwh, confidence, reason, digits and boxes of a FrameReading."""
    return {
        "reading": result.reading,
        "counter_wh": result.counter_wh,
        "kwh": None if result.counter_wh is None else result.counter_wh / 1000,
        "confidence": round(float(result.confidence), 4),
        "reason": None if result.reason is None else str(result.reason),
        "digits": [digit_view(d) for d in result.digits],
        "boxes": [[int(b.x), int(b.y), int(b.w), int(b.h)] for b in result.boxes],
    }
