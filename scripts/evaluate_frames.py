"""Frame-level evaluation of the whole reader: alignment, digit model, composition, gate.

Two parts, printed in one run:

1. The reference frame (../shared/reference/meter-0995160.png, skipped when absent) read with
   the documented boxes, with the boxes enlarged, and after moving the camera (shift + rotation,
   read through alignment against the original frame); then 945 moved, turned and zoomed
   copies read *without* a reference, as `stromzaehler read` does (nothing wrong may be
   accepted).
2. A simulated meter at one frame per interval with faults (glare, blur, occlusion, dark
   frames, frozen frames, camera knocks), fed frame by frame through MeterReader and Gate
   exactly like the service does: wrong readings stored, share of frames accepted, how many
   frames the gate needs to accept again after each fault, per-frame latency on one core.

    .venv/bin/python scripts/evaluate_frames.py --days 7
    .venv/bin/python scripts/evaluate_frames.py --days 1 --digits oracle   # composition + gate
                                                                            # with perfect eyes

A stored reading is right when it equals the simulator's whole digits, or the counter as
people read it (the last roller counted as its next digit from x.8 on, see
reading.LAST_ROLLER_ROUND_UP): between x.8 and x.99 both are what the meter shows. One step
off while the true last roller stands within --boundary (0.1 digit = 10 Wh with one
decimal) of that line is counted separately as `one_step_off_at_roller_boundary`; everything
else that differs is `wrong_stored`.

`--digits oracle` replaces the digit model by the simulator's true roller positions plus
Gaussian noise: it measures composition and gate alone, never the model.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from stromzaehler.capture.adaptation import AUTO_SAMPLE_TOLERANCE
from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box, MeterGeometry
from stromzaehler.gate import gate_for
from stromzaehler.recognition.align import Reference
from stromzaehler.recognition.reading import LAST_ROLLER_ROUND_UP, MeterReader

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_PNG = SHARED / "reference" / "meter-0995160.png"
REFERENCE_READING = "0995160"
DEFAULT_FAULTS = "glare=0.02,blur=0.01,occlusion=0.01,dark=0.01,frozen=0.005,bump=0.0005"
START_UTC = 1_767_225_600  # 2026-01-01 00:00 UTC


@dataclass(frozen=True)
class OracleDigit:
    digit: str | None
    value: float
    confidence: float


class OracleDigits:
    """The true roller positions with Gaussian noise, in place of the digit model."""

    def __init__(self, noise: float, seed: int) -> None:
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.positions: Sequence[float] = ()

    def read(self, crops: Sequence[np.ndarray]) -> list[OracleDigit]:
        out = []
        for position in self.positions[: len(crops)]:
            value = float((position + self.rng.normal(0.0, self.noise)) % 10.0)
            out.append(OracleDigit(str(round(value) % 10), value, 0.95))
        return out


def _bits(crop_bgr: np.ndarray) -> np.ndarray:
    """1-bit crop as the original project used it: brightest channel, Otsu threshold."""
    channel = crop_bgr.max(axis=2) if crop_bgr.ndim == 3 else crop_bgr
    small = cv2.resize(channel, (20, 32), interpolation=cv2.INTER_AREA)
    _, bits = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return bits


class TemplateDigits:
    """The original project's reader: one 1-bit template per digit of its own meter, least
    Hamming distance, no notion of a roller between two digits and no confidence."""

    def __init__(self, meter: object) -> None:
        from stromzaehler.simulator.render import CameraState

        renderer = meter.renderer  # type: ignore[attr-defined]
        rng = np.random.default_rng(0)
        self.templates = []
        for digit in range(10):
            albedo = renderer.albedo((float(digit),) * len(renderer.boxes), 0.0)
            frame = renderer.expose(albedo, CameraState(), rng)
            bits = [_bits(frame[b.y : b.y + b.h, b.x : b.x + b.w]) for b in renderer.boxes]
            self.templates.append((np.mean(bits, axis=0) >= 0.5).astype(np.uint8))

    def read(self, crops: Sequence[np.ndarray]) -> list[OracleDigit]:
        out = []
        for crop in crops:
            bits = _bits(crop)
            distances = [int(np.count_nonzero(bits != t)) for t in self.templates]
            digit = int(np.argmin(distances))
            out.append(OracleDigit(str(digit), float(digit), 0.95))
        return out


class TesseractDigits:
    """Tesseract on each binarised crop with a digit whitelist; no digit -> not confident."""

    def __init__(self, psm: int) -> None:
        self.psm = psm

    def read(self, crops: Sequence[np.ndarray]) -> list[OracleDigit]:
        out = []
        for crop in crops:
            channel = crop.max(axis=2) if crop.ndim == 3 else crop
            _, bw = cv2.threshold(channel, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
            bw = cv2.copyMakeBorder(bw, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)
            png = cv2.imencode(".png", bw)[1].tobytes()
            command = ["tesseract", "stdin", "stdout", "--psm", str(self.psm)]
            text = subprocess.run(
                [*command, "-c", "tessedit_char_whitelist=0123456789"],
                input=png,
                capture_output=True,
                check=False,
            ).stdout.decode(errors="replace")
            digits = [c for c in text if c.isdigit()]
            if digits:
                out.append(OracleDigit(digits[0], float(digits[0]), 0.95))
            else:
                out.append(OracleDigit(None, 0.0, 0.0))
        return out


def camera_moved(
    frame: np.ndarray, dx: float, dy: float, angle: float, scale: float = 1.0
) -> np.ndarray:
    """The frame as a camera moved by (dx, dy) px, turned by `angle` degrees about the
    centre and `scale` times closer would see it."""
    height, width = frame.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[:, 2] += (dx, dy)
    return cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def reference_checks(model: object) -> list[dict]:
    if not REFERENCE_PNG.exists():
        print(f"reference checks skipped: {REFERENCE_PNG} not found")
        return []
    frame = cv2.imread(str(REFERENCE_PNG))
    boxes = tuple(Box(*box) for box in REFERENCE_DIGIT_BOXES)
    geometry = MeterGeometry(boxes)
    rows = []

    def check(name: str, image: np.ndarray, geo: MeterGeometry, reference=None) -> None:
        result = MeterReader(geo, model=model, reference=reference).read(image)  # type: ignore[arg-type]
        rows.append(
            {
                "case": name,
                "reading": result.reading,
                "right": result.reading == REFERENCE_READING,
                "accepted": result.reason is None,
                "reason": result.reason,
                "confidence": round(result.confidence, 3),
            }
        )

    check("documented boxes", frame, geometry)
    for grow in (5, 10):
        bigger = tuple(Box(b.x - grow, b.y - grow, b.w + 2 * grow, b.h + 2 * grow) for b in boxes)
        check(f"boxes enlarged by {grow} px on each side", frame, MeterGeometry(bigger))
    bigger = tuple(Box(b.x, b.y, b.w + 10, b.h + 10) for b in boxes)
    check("boxes 10 px wider and higher", frame, MeterGeometry(bigger))
    reference = Reference(frame, boxes)
    for dx, dy, angle in ((15, 0, 2.0), (0, 15, -2.0), (-15, 10, 2.0)):
        moved = camera_moved(frame, dx, dy, angle)
        check(f"frame shifted ({dx},{dy}) px, rotated {angle} deg", moved, geometry, reference)
    return rows


# A camera placed otherwise than the boxes assume, read without a reference: moved, turned,
# closer or farther (the case is 6 % closer).
MISPLACED_SCALES = (0.94, 0.97, 0.985, 1.0, 1.015, 1.03, 1.06)
MISPLACED_SHIFTS_X = (-12, -9, -6, -3, 0, 3, 6, 9, 12)
MISPLACED_SHIFTS_Y = (-10, -5, 0, 5, 10)
MISPLACED_ANGLES = (-2.5, 0.0, 2.5)


def misplaced_checks(model: object) -> dict[str, int]:
    """Outcomes of reading moved copies of the reference frame with the documented boxes and
    no alignment reference: right / WRONG accepted / rejected per reason."""
    frame = cv2.imread(str(REFERENCE_PNG))
    geometry = MeterGeometry(tuple(Box(*b) for b in REFERENCE_DIGIT_BOXES))
    reader = MeterReader(geometry, model=model)  # type: ignore[arg-type]
    tally: Counter[str] = Counter()
    grid = itertools.product(
        MISPLACED_SCALES, MISPLACED_SHIFTS_X, MISPLACED_SHIFTS_Y, MISPLACED_ANGLES
    )
    for scale, dx, dy, angle in grid:
        result = reader.read(camera_moved(frame, dx, dy, angle, scale))
        if result.reason is not None:
            tally[f"rejected ({result.reason})"] += 1
        else:
            tally["right" if result.reading == REFERENCE_READING else "WRONG accepted"] += 1
    return dict(sorted(tally.items()))


@dataclass
class WeekResult:
    frames: int = 0
    accepted: int = 0
    backfilled: int = 0
    wrong_stored: list[dict] = field(default_factory=list)
    boundary_stored: int = 0
    frames_read_right: int = 0
    clean_frames: int = 0
    clean_stored: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    fault_frames: dict[str, int] = field(default_factory=dict)
    recoveries: list[int] = field(default_factory=list)
    unrecovered: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def shown_wh(display_wh: int, last_roller: float, step_wh: int, rollover_wh: int) -> int:
    """The counter as people read it: the simulator's display (each roller's whole digit)
    plus one step once the last roller is LAST_ROLLER_ROUND_UP short of its next digit."""
    ahead = (last_roller % 1.0) >= 1.0 - LAST_ROLLER_ROUND_UP
    return (display_wh + (step_wh if ahead else 0)) % rollover_wh


def at_boundary(
    stored_wh: int, truth_wh: int, last_roller: float, step_wh: int, boundary: float
) -> bool:
    """One step off while the last roller really stands within `boundary` of the line where
    its digit changes: the image cannot tell, the energy error is a few Wh."""
    frac = (last_roller + LAST_ROLLER_ROUND_UP) % 1.0
    if stored_wh == truth_wh + step_wh:
        return frac >= 1.0 - boundary
    if stored_wh == truth_wh - step_wh:
        return frac < boundary
    return False


def simulate(
    args: argparse.Namespace, make_model: Callable[[object], object], days: float
) -> WeekResult:
    """Run the simulated meter through reader and gate; `make_model(setup_meter)` gives the
    digit reader."""
    from stromzaehler.simulator import FaultRates, SimulatedMeter

    faults = FaultRates.parse(args.faults)
    meter = SimulatedMeter(seed=args.seed, start_utc=START_UTC, faults=faults)
    setup = SimulatedMeter(seed=args.seed, start_utc=START_UTC)  # a clean set-up frame
    setup_frame, _ = setup.frame_at(START_UTC)
    geometry = meter.geometry
    reference = Reference(setup_frame, geometry.digit_boxes)
    model = make_model(setup)
    oracle = model if isinstance(model, OracleDigits) else None
    reader = MeterReader(geometry, model=model, reference=reference)  # type: ignore[arg-type]
    gate = gate_for(geometry)
    step_wh = gate.step_wh
    result = WeekResult()
    truth_by_t: dict[int, tuple[int, float, int]] = {}
    last_wh: int | None = None
    fault_open: int | None = None  # frame index where the current run of faults began
    n_frames = int(days * 86400 / args.interval)
    for i in range(n_frames):
        t_utc = START_UTC + i * args.interval
        frame, truth = meter.frame_at(t_utc)
        last_roller = truth.roller_positions[-1]
        truth_by_t[t_utc] = (
            shown_wh(truth.display_wh, last_roller, step_wh, gate.rollover_wh or 0),
            last_roller,
            truth.display_wh,
        )
        if oracle is not None:
            oracle.positions = truth.roller_positions
        start = time.perf_counter()
        reading = reader.read(frame, previous_wh=last_wh)
        decision = gate.check(reading, t_utc)
        result.latencies_ms.append((time.perf_counter() - start) * 1000.0)
        result.frames += 1
        result.clean_frames += not truth.faults
        result.clean_stored += not truth.faults and decision.accepted
        shown = truth_by_t[t_utc][0] // step_wh
        result.frames_read_right += reading.reading == str(shown).zfill(len(truth.reading))
        for fault in truth.faults:
            result.fault_frames[fault] = result.fault_frames.get(fault, 0) + 1
        if truth.faults and fault_open is None:
            fault_open = i
        if decision.accepted:
            stored = [(t, wh) for t, wh, _ in decision.backfill] + [(t_utc, decision.counter_wh)]
            result.accepted += 1
            result.backfilled += len(decision.backfill)
            for t, wh in stored:
                truth_wh, last_roller, whole_digits_wh = truth_by_t[t]
                if wh in (truth_wh, whole_digits_wh):
                    continue
                if at_boundary(wh, truth_wh, last_roller, step_wh, args.boundary):
                    result.boundary_stored += 1
                else:
                    result.wrong_stored.append(
                        {"t_utc": t, "stored_wh": wh, "truth_wh": truth_wh, "last": last_roller}
                    )
            last_wh = decision.counter_wh
            if fault_open is not None and not truth.faults:
                result.recoveries.append(i - fault_open)
                fault_open = None
        else:
            reason = decision.reason or "?"
            result.reasons[reason] = result.reasons.get(reason, 0) + 1
        if args.progress and i % 500 == 0:
            print(f"\r{i}/{n_frames} frames", end="", file=sys.stderr, flush=True)
    if args.progress:
        print(file=sys.stderr)
    if fault_open is not None:
        result.unrecovered += 1
    return result


def report_week(result: WeekResult, args: argparse.Namespace) -> dict:
    stored = result.accepted + result.backfilled
    latencies = sorted(result.latencies_ms)
    summary = {
        "frames": result.frames,
        "frames_read_right_before_gate": round(result.frames_read_right / max(result.frames, 1), 4),
        "accepted_frames": result.accepted,
        "backfilled_frames": result.backfilled,
        "stored_share": round(stored / max(result.frames, 1), 4),
        "accepted_share_of_frames_without_fault": round(
            result.clean_stored / max(result.clean_frames, 1), 4
        ),
        "wrong_stored": len(result.wrong_stored),
        "one_step_off_at_roller_boundary": result.boundary_stored,
        "wrong_examples": result.wrong_stored[:5],
        "rejected_by_reason": dict(sorted(result.reasons.items())),
        "frames_with_fault": dict(sorted(result.fault_frames.items())),
        "fault_runs_recovered": len(result.recoveries),
        "fault_runs_unrecovered_at_end": result.unrecovered,
        "recovery_frames_median": statistics.median(result.recoveries)
        if result.recoveries
        else None,
        "recovery_frames_max": max(result.recoveries) if result.recoveries else None,
        "latency_ms_median": round(statistics.median(latencies), 2) if latencies else None,
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2)
        if latencies
        else None,
    }
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--interval", type=int, default=60, help="seconds between frames")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--faults", default=DEFAULT_FAULTS)
    parser.add_argument("--digits", choices=("model", "oracle"), default="model")
    parser.add_argument("--model", type=Path, help="ONNX digit model (default: packaged)")
    parser.add_argument("--oracle-noise", type=float, default=0.08, help="digits (sd)")
    parser.add_argument(
        "--boundary",
        type=float,
        default=0.1,
        help="last-roller distance to a digit line within which one step off is reported "
        "separately (not as wrong)",
    )
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--baselines",
        action="store_true",
        help="also run the original project's template matcher and Tesseract (slow)",
    )
    parser.add_argument(
        "--baseline-days", type=float, default=0.1, help="simulated days for each baseline"
    )
    parser.add_argument(
        "--adapted",
        type=int,
        default=0,
        metavar="N",
        help="adapt the reader to the simulated meter with N samples per digit taken from its"
        " clean set-up meter (as `teach` and the automatic collection would)",
    )
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    # The target is one core of this machine; OpenCV would otherwise use all of them.
    cv2.setNumThreads(1)
    if args.digits == "oracle":
        model: object = OracleDigits(args.oracle_noise, args.seed)
    else:
        from stromzaehler.recognition.digits import DigitModel

        model = DigitModel.load(args.model)
    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    if not args.skip_reference and args.digits == "model":
        rows = reference_checks(model)
        results["reference"] = rows
        print(f"reference frame (expect {REFERENCE_READING}):")
        for row in rows:
            mark = "ok " if row["right"] else "BAD"
            print(
                f"  {mark} {row['case']:<44} {row['reading']!s:<8} accepted={row['accepted']}"
                f" reason={row['reason']} confidence={row['confidence']}"
            )
        if REFERENCE_PNG.exists():
            tally = misplaced_checks(model)
            results["misplaced_without_reference"] = tally
            print(f"moved copies of the reference frame, no reference: {tally}")
    runs: list[tuple[str, Callable[[object], object], float]] = [
        (args.digits, lambda _setup: model, args.days)
    ]
    if args.adapted and args.digits == "model":
        runs = [(f"adapted ({args.adapted} per digit)", adapted(model, args.adapted), args.days)]
    if args.baselines:
        runs.append(("template 1-bit", TemplateDigits, args.baseline_days))
        if shutil.which("tesseract"):
            for psm in (10, 13):
                runs.append((f"tesseract psm {psm}", _tesseract(psm), args.baseline_days))
        else:
            print("tesseract not found on PATH: skipping the Tesseract baselines")
    results["simulated"] = {}
    for name, make_model, days in runs:
        week = report_week(simulate(args, make_model, days), args)
        results["simulated"][name] = week
        print(
            f"simulated {days:g} days, one frame per {args.interval} s, faults {args.faults},"
            f" digits={name}:"
        )
        for key, value in week.items():
            print(f"  {key}: {value}")
    if len(runs) > 1:
        print_side_by_side(results["simulated"])
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def adapted(model: object, per_digit: int) -> Callable[[object], object]:
    """A make_model that adapts `model` to the set-up meter: crops of its clean frames every
    six hours, labelled with the truth, rollers close to a digit only, until every digit has
    `per_digit` samples (or 60 days of frames were looked at)."""
    from stromzaehler.recognition.adapt import AdaptedDigitModel, Sample
    from stromzaehler.recognition.align import crop_aligned

    def make(setup: object) -> object:
        samples: list[Sample] = []
        counts = [0] * 10
        for k in range(240):
            frame, truth = setup.frame_at(START_UTC + k * 6 * 3600)  # type: ignore[attr-defined]
            for roller, (box, position) in enumerate(
                zip(setup.geometry.digit_boxes, truth.roller_positions, strict=True)  # type: ignore[attr-defined]
            ):
                digit = round(position) % 10
                if (
                    abs(position - round(position)) <= AUTO_SAMPLE_TOLERANCE
                    and counts[digit] < per_digit
                ):
                    samples.append(Sample(crop_aligned(frame, box, None), digit, roller))
                    counts[digit] += 1
            if min(counts) >= per_digit:
                break
        return AdaptedDigitModel(model, samples)  # type: ignore[arg-type]

    return make


def _tesseract(psm: int) -> Callable[[object], object]:
    return lambda _setup: TesseractDigits(psm)


def print_side_by_side(weeks: dict[str, dict]) -> None:
    keys = (
        "frames",
        "frames_read_right_before_gate",
        "stored_share",
        "wrong_stored",
        "one_step_off_at_roller_boundary",
        "latency_ms_median",
    )
    names = list(weeks)
    print("\n" + f"{'':34}" + "".join(f"{n:>18}" for n in names))
    for key in keys:
        print(f"{key:34}" + "".join(f"{weeks[n][key]!s:>18}" for n in names))


if __name__ == "__main__":
    sys.exit(main())
