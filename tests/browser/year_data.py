"""A deterministic year of meter readings (and a few rejected frames) for the browser tests.

Readings every minute through 2026 (every 10 min in January, so minute bars are interpolated
there), a 3-hour gap on 2026-06-10 (estimated buckets) and nothing after 2026-12-20 (missing).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from stromzaehler.store import Store

YEAR_START_UTC = int(datetime(2025, 12, 31, 23, 0, tzinfo=UTC).timestamp())  # 2026-01-01 Berlin
FEBRUARY_UTC = int(datetime(2026, 1, 31, 23, 0, tzinfo=UTC).timestamp())
GAP_UTC = (
    int(datetime(2026, 6, 10, 9, 0, tzinfo=UTC).timestamp()),
    int(datetime(2026, 6, 10, 12, 0, tzinfo=UTC).timestamp()),
)
END_UTC = int(datetime(2026, 12, 20, 0, 0, tzinfo=UTC).timestamp())
START_WH = 99_516_000
REJECTED_T_UTC = int(datetime(2026, 6, 10, 10, 30, tzinfo=UTC).timestamp())


def power_w(t_utc: int) -> float:
    """Base load, a daily shape peaking in the evening, more in winter: plausible, smooth."""
    hour = (t_utc % 86400) / 3600 + 1
    day = (t_utc - YEAR_START_UTC) / 86400
    daily = 250 * max(0.0, math.sin(math.pi * (hour - 6) / 16)) + 450 * math.exp(
        -((hour - 19.5) ** 2) / 3
    )
    season = 1.0 + 0.3 * math.cos(2 * math.pi * day / 365)
    return 150 + season * daily


def reading_rows() -> Iterator[tuple[int, int, float, str]]:
    energy_wh = float(START_WH)
    t = YEAR_START_UTC
    while t <= END_UTC:
        step = 600 if t < FEBRUARY_UTC else 60
        if not (GAP_UTC[0] < t < GAP_UTC[1]):
            yield t, int(energy_wh), 0.99, "simulated"
        energy_wh += power_w(t) * step / 3600
        t += step


def fill(data_dir: Path, frame: np.ndarray) -> int:
    """Readings into the store plus two rejected frames with images; returns the reading count."""
    store = Store.open(data_dir)
    count = store.add_readings_bulk(reading_rows())
    folder = data_dir / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    boxes = [
        [19, 166, 46, 84],
        [109, 166, 46, 84],
        [200, 168, 46, 84],
        [292, 169, 46, 84],
        [384, 169, 46, 84],
        [479, 170, 46, 84],
        [576, 171, 46, 84],
    ]
    for t_utc, reason in ((REJECTED_T_UTC, "low_confidence"), (REJECTED_T_UTC + 600, "too_fast")):
        path = folder / f"{t_utc}.jpg"
        cv2.imwrite(str(path), frame)
        store.log_frame(
            t_utc,
            "files",
            "rejected",
            reason,
            reading="0995160",
            counter_wh=99_516_000,
            confidence=0.2,
            boxes=boxes,
            image_path=str(path),
            digits=[{"digit": d, "value": float(d), "confidence": 0.9} for d in "0995160"],
        )
    store.close()
    return count
