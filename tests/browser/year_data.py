"""A simulated year of meter readings (and two rejected frames) for the browser tests.

`stromzaehler simulate --readings-only` in three runs: readings every 10 min in January (so
minute bars there are interpolated), every minute from February, a 3-hour gap on 2026-06-10
(estimated buckets, where the rejected frames lie) and nothing after 2026-12-20 (missing).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from stromzaehler.config import REFERENCE_DIGIT_BOXES
from stromzaehler.store import Store

YEAR_START = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 2026-01-01 00:00 in Berlin
FEBRUARY = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
GAP = (datetime(2026, 6, 10, 9, 0, tzinfo=UTC), datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
END = datetime(2026, 12, 20, 0, 0, tzinfo=UTC)
START_WH = 99_516_000
GAP_ENERGY_WH = 600  # about 200 W while no readings came
REJECTED_T_UTC = int(datetime(2026, 6, 10, 10, 30, tzinfo=UTC).timestamp())
RUNS = (  # start, end, seconds between readings
    (YEAR_START, FEBRUARY, 600),
    (FEBRUARY, GAP[0], 60),
    (GAP[1], END, 60),
)


def simulate(
    data_dir: Path, start: datetime, end: datetime, interval_s: int, start_wh: int
) -> None:
    days = (end - start).total_seconds() / 86400
    command = [
        sys.executable,
        "-m",
        "stromzaehler",
        "simulate",
        "--readings-only",
        "--quiet",
        "--data",
        str(data_dir),
        "--start",
        start.isoformat(),
        "--days",
        f"{days:.6f}",
        "--interval",
        str(interval_s),
        "--start-wh",
        str(start_wh),
        "--seed",
        "7",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")


def fill(data_dir: Path, frame: np.ndarray) -> int:
    """Readings into the store plus two rejected frames with images; returns the reading count."""
    start_wh = START_WH
    for index, (start, end, interval_s) in enumerate(RUNS):
        simulate(data_dir, start, end, interval_s, start_wh)
        last = Store.open(data_dir).last_reading()
        assert last is not None
        start_wh = last.counter_wh + (GAP_ENERGY_WH if index == 1 else interval_s // 12)
    store = Store.open(data_dir)
    count = store.count_readings()
    folder = data_dir / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    boxes = [list(box) for box in REFERENCE_DIGIT_BOXES]
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
