"""Batch simulation: truth table, geometry file and frames on disk, or readings into a store."""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from ..clock import iso_utc
from ..config import geometry_to_toml
from .faults import FaultRates
from .scene import SimulatedMeter

ReadingRow = tuple[int, int, float, str]  # t_utc, counter_wh, confidence, source

TRUTH_FILE = "truth.csv"
GEOMETRY_FILE = "meter.toml"


@dataclass(frozen=True)
class SimulationSummary:
    rows: int
    images: int
    energy_wh: float
    seconds: float


class Progress:
    """A one-line progress display on stderr, redrawn at most every half second."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label = max(total, 1), label
        self.stream = stream or sys.stderr
        self._started = self._drawn = time.monotonic()

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self._drawn < 0.5 and done < self.total:
            return
        self._drawn = now
        fraction = done / self.total
        bar = "#" * int(30 * fraction)
        eta = (now - self._started) * (1 - fraction) / fraction if fraction > 0 else 0.0
        self.stream.write(f"\r{self.label} [{bar:<30}] {fraction:6.1%} {done}/{self.total}"
                          f"  eta {eta:5.0f} s")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def sample_times(start_utc: int, days: float, interval_s: int) -> np.ndarray:
    """Instants start, start + interval, ... up to and including start + days."""
    count = math.floor(days * 86_400 / interval_s) + 1
    return start_utc + np.arange(count, dtype=np.int64) * interval_s


def iso_utc_z(t_utc: float) -> str:
    """The truth CSV's time column: whole seconds with Z."""
    return iso_utc(t_utc, "seconds").replace("+00:00", "Z")


def image_name(t_utc: float) -> str:
    return dt.datetime.fromtimestamp(t_utc, dt.UTC).strftime("%Y%m%dT%H%M%SZ") + ".jpg"


def truth_header(n_rollers: int) -> str:
    rollers = ",".join(f"roller_{i}" for i in range(n_rollers))
    return ("t_utc_iso,t_utc,counter_wh,reading,power_w,disc_revolutions,disc_angle_deg,"
            f"{rollers},faults,image\n")


def simulate_to_dir(meter: SimulatedMeter, out_dir: Path, days: float, interval_s: int,
                    images: bool = False, speed: float | None = None,
                    progress: bool = True) -> SimulationSummary:
    """Write truth.csv, meter.toml and (with `images`) one JPEG per instant into `out_dir`.

    With `speed`, simulated time runs `speed` times faster than the wall clock (a live demo);
    without it, as fast as the machine allows.
    """
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / GEOMETRY_FILE).write_text(geometry_to_toml(meter.geometry), encoding="utf-8")
    times = sample_times(int(meter.start_utc), days, interval_s)
    bar = Progress(len(times), "simulate") if progress else None
    n_images = 0
    with open(out_dir / TRUTH_FILE, "w", encoding="utf-8", newline="") as csv:
        csv.write(truth_header(meter.mechanics.n_rollers))
        for i, t_utc in enumerate(times.tolist()):
            if speed:
                _wait_until(started + (t_utc - times[0]) / speed)
            name = ""
            if images:
                image, truth = meter.frame_at(t_utc)
                name = image_name(t_utc)
                cv2.imwrite(str(out_dir / name), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
                n_images += 1
            else:
                truth = meter.truth_at(t_utc)
            rollers = ",".join(f"{p:.6f}" for p in truth.roller_positions)
            csv.write(f"{iso_utc_z(t_utc)},{t_utc},{truth.counter_wh},{truth.reading},"
                      f"{truth.power_w:.3f},{truth.disc_revolutions:.6f},"
                      f"{truth.disc_angle_deg:.3f},{rollers},{'+'.join(truth.faults)},{name}\n")
            if bar:
                bar.update(i + 1)
    energy = meter.consumed_wh(float(times[-1]))
    return SimulationSummary(len(times), n_images, energy, time.monotonic() - started)


def reading_rows(meter: SimulatedMeter, days: float, interval_s: int,
                 chunk_days: int = 10) -> Iterator[list[ReadingRow]]:
    """Ideal readings (t_utc, counter_wh, 1.0, "simulated") in chunks of `chunk_days`."""
    times = sample_times(int(meter.start_utc), days, interval_s)
    per_chunk = max(1, chunk_days * 86_400 // interval_s)
    rollover = meter.mechanics.rollover_wh
    for lo in range(0, len(times), per_chunk):
        chunk = times[lo:lo + per_chunk]
        energy = meter.start_wh + meter.consumed_wh_array(chunk.astype(np.float64))
        counters = np.floor(energy).astype(np.int64) % rollover
        yield list(zip(chunk.tolist(), counters.tolist(), [1.0] * len(chunk),
                       ["simulated"] * len(chunk), strict=True))


def simulate_readings(meter: SimulatedMeter, write: Callable[[list[ReadingRow]], object],
                      days: float, interval_s: int, progress: bool = True) -> SimulationSummary:
    """Hand ideal readings for every interval to `write` in chunks (the command that composes
    simulator and store passes the store's bulk insert; the simulator knows no store)."""
    started = time.monotonic()
    total = len(sample_times(int(meter.start_utc), days, interval_s))
    bar = Progress(total, "readings") if progress else None
    written = 0
    for rows in reading_rows(meter, days, interval_s):
        write(rows)
        written += len(rows)
        if bar:
            bar.update(written)
    end_utc = float(meter.start_utc + (total - 1) * interval_s)
    return SimulationSummary(written, 0, meter.consumed_wh(end_utc), time.monotonic() - started)


def build_meter(seed: int, start_utc: float, annual_kwh: float, start_wh: int,
                faults: FaultRates | None = None) -> SimulatedMeter:
    return SimulatedMeter(seed=seed, start_utc=start_utc, annual_kwh=annual_kwh,
                          start_wh=start_wh, faults=faults)


def _wait_until(monotonic_deadline: float) -> None:
    delay = monotonic_deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
