"""Benchmark: what the digit reader costs per digit and per frame, generic and adapted.

    PYTHONPATH=src python3 benchmarks/digit_cost.py [--rounds 7] [--reads 20] [--threads default,1]

Needs only the package (src/stromzaehler) and its packaged model: the seven crops of a frame
come from the simulated meter (`SimulatedMeter.frame_at`, `geometry.digit_boxes`), so it runs
the same on this PC and in an armhf root under qemu-user (OpenCV 4.6/NumPy 1.24 and
4.10/NumPy 2.2). Prints the Python, OpenCV and NumPy versions, the FLOPs of one forward pass
of one crop (`cv2.dnn.Net.getFLOPS` at 1x1xINPUT_HxINPUT_W), and for each OpenCV thread
setting (`default`: left as it is, as the service leaves it; a number: `cv2.setNumThreads`)
the medians over `rounds` rounds of wall time (time.perf_counter), each round `reads` frame
reads of `DigitModel.read` and `AdaptedDigitModel.read` taken in turn, so that load from
other processes hits both:
  generic      ms per frame (7 crops, 3 views each: one forward pass of 21 planes)
  adapted      ms per frame, the same forward pass plus the features and the NumPy veto
  difference   adapted - generic, the median of the per-round differences
  forward      ms per frame of setInput + forward alone (the network's part of generic)
  per digit    generic and adapted ms per frame / 7
  fit          ms to build the adapted reader from `samples` labelled crops (default 70)
  spread       max - min of the per-round generic values (how noisy the run was)
Under qemu-user a frame takes seconds: `--reads 2` keeps a run near 8 minutes. Results and the
Pi 2 estimate: docs/pi-install-check.md, "Digit reader cost under qemu (armhf)".
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from stromzaehler.capture.adaptation import AUTO_SAMPLE_TOLERANCE
from stromzaehler.recognition.adapt import AdaptedDigitModel, Sample
from stromzaehler.recognition.align import crop_aligned
from stromzaehler.recognition.digits import (
    INPUT_H,
    INPUT_W,
    DigitModel,
    crop_view,
    to_single_channel,
)
from stromzaehler.simulator import SimulatedMeter

START_UTC = 1_767_222_000  # 2026-01-01 00:00 Europe/Berlin
SIX_HOURS = 6 * 3600


def frame_crops(meter: SimulatedMeter, t_utc: float) -> tuple[list[np.ndarray], list[float]]:
    """The crops of one simulated frame (plain cuts, as without alignment) and their rollers'
    true positions."""
    frame, truth = meter.frame_at(t_utc)
    crops = [crop_aligned(frame, box, None) for box in meter.geometry.digit_boxes]
    return crops, list(truth.roller_positions)


def samples_of(meter: SimulatedMeter, count: int) -> list[Sample]:
    """`count` labelled crops from frames six hours apart: rollers within the service's
    AUTO_SAMPLE_TOLERANCE of a digit, labelled with it (as scripts/evaluate_frames.py adapts
    to the simulated meter)."""
    samples: list[Sample] = []
    k = 1
    while len(samples) < count:
        crops, positions = frame_crops(meter, START_UTC + k * SIX_HOURS)
        samples += [
            Sample(crop, round(p) % 10, roller)
            for roller, (crop, p) in enumerate(zip(crops, positions, strict=True))
            if abs(p - round(p)) <= AUTO_SAMPLE_TOLERANCE
        ]
        k += 1
    return samples[:count]


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(
    generic: DigitModel,
    adapted: AdaptedDigitModel,
    crops: Sequence[np.ndarray],
    samples: Sequence[Sample],
    rounds: int,
    reads: int,
) -> dict[str, float]:
    """Medians over rounds, in ms per frame (fit: ms per fit)."""
    planes = [to_single_channel(crop_view(c, v)) for v in generic.views for c in crops]
    blob = cv2.dnn.blobFromImages(planes)

    def forward() -> None:
        generic.net.setInput(blob)
        generic.net.forward()

    for _ in range(3):  # warm-up: first passes allocate
        generic.read(crops)
        adapted.read(crops)
        forward()
    per_round: dict[str, list[float]] = {"generic": [], "adapted": [], "forward": [], "fit": []}
    for _ in range(rounds):
        totals = {"generic": 0.0, "adapted": 0.0, "forward": 0.0}
        for _ in range(reads):
            totals["generic"] += seconds(lambda: generic.read(crops))
            totals["adapted"] += seconds(lambda: adapted.read(crops))
            totals["forward"] += seconds(forward)
        for name, total in totals.items():
            per_round[name].append(1000 * total / reads)
        per_round["fit"].append(1000 * seconds(lambda: AdaptedDigitModel(generic, samples)))
    difference = [a - g for a, g in zip(per_round["adapted"], per_round["generic"], strict=True)]
    medians = {name: statistics.median(values) for name, values in per_round.items()}
    medians["difference"] = statistics.median(difference)
    medians["spread_generic"] = max(per_round["generic"]) - min(per_round["generic"])
    return medians


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reads", type=int, default=20, help="frame reads per model and round")
    parser.add_argument("--samples", type=int, default=70, help="labelled crops for the fit")
    parser.add_argument(
        "--threads", default="default,1", help="comma-separated: default and/or numbers"
    )
    args = parser.parse_args(argv)

    print(f"machine {platform.machine()}, Python {sys.version.split()[0]}")
    print(f"OpenCV {cv2.__version__}, NumPy {np.__version__}")
    print(f"cv2.getNumThreads() at start: {cv2.getNumThreads()}, CPUs: {cv2.getNumberOfCPUs()}")

    model = DigitModel.load()
    flops = int(model.net.getFLOPS([1, 1, INPUT_H, INPUT_W]))
    views = len(model.views)
    print(f"model views {model.views}: {views} forward-pass planes per crop")
    print(
        f"FLOPs per forward pass of one crop (1x1x{INPUT_H}x{INPUT_W}): {flops:,}; "
        f"per digit ({views} views): {views * flops:,}; per frame (7 digits): {7 * views * flops:,}"
    )

    meter = SimulatedMeter(seed=0, start_utc=START_UTC)
    crops, positions = frame_crops(meter, START_UTC)
    samples = samples_of(meter, args.samples)
    adapted = AdaptedDigitModel(model, samples)
    generic_digits = "".join(r.digit or "-" for r in model.read(crops))
    adapted_digits = "".join(r.digit or "-" for r in adapted.read(crops))
    nearest = "".join(str(round(p) % 10) for p in positions)
    print(
        f"frame: {len(crops)} crops {crops[0].shape[1]}x{crops[0].shape[0]}, nearest digits "
        f"{nearest}, generic {generic_digits}, adapted {adapted_digits}; "
        f"{adapted.sample_count} samples"
    )
    print(f"medians over {args.rounds} rounds x {args.reads} reads, ms (wall):")
    header = "threads   generic/frame  adapted/frame  difference  forward/frame"
    print(header + "  generic/digit  adapted/digit  fit " + f"{args.samples}  spread(generic)")
    for setting in args.threads.split(","):
        if setting != "default":
            cv2.setNumThreads(int(setting))
        label = f"{setting}({cv2.getNumThreads()})"
        m = measure(model, adapted, crops, samples, args.rounds, args.reads)
        print(
            f"{label:<9} {m['generic']:13.2f}  {m['adapted']:13.2f}  {m['difference']:10.2f}  "
            f"{m['forward']:13.2f}  {m['generic'] / 7:13.3f}  {m['adapted'] / 7:13.3f}  "
            f"{m['fit']:6.1f}  {m['spread_generic']:15.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
