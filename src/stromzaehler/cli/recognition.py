"""`stromzaehler read | digits | locate`: parse, call the recognition modules, format.

Bad input (a missing or unreadable image, malformed --boxes) prints one line to stderr and
exits with 2; a digit model that cannot be loaded exits with 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stromzaehler.config import REFERENCE_DIGIT_BOXES, Box, ConfigError, MeterGeometry
from stromzaehler.geometry import GeometryError, check_rollers
from stromzaehler.recognition.result_view import digit_view, reading_view

if TYPE_CHECKING:
    import numpy as np


class InputError(ValueError):
    """Something the user gave cannot be used; the message is one line."""


SAMPLES_HELP = (
    "labelled crops of this meter (CSV with columns file,label; label 0-9; paths relative to "
    "the CSV's folder): adapt the reader to this meter"
)


def register(subparsers: Any) -> None:
    """Add `read`, `digits` and `locate` to the main parser's subparsers."""
    read = subparsers.add_parser(
        "read",
        help="read the counter on camera frames",
        description="Read each frame: align (with --reference), cut the digit boxes, read the "
        "rollers, compose the reading. `accepted` means every roller was read with confidence; "
        "the service's gate additionally checks the reading against earlier ones.",
    )
    read.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    read.add_argument("--config", type=Path, help="settings file; its [meter] table is used")
    read.add_argument("--boxes", help='digit boxes left to right: "x,y,w,h;x,y,w,h;..."')
    read.add_argument("--decimals", type=int, help="rollers right of the decimal point")
    read.add_argument(
        "--reference", type=Path, help="set-up frame the boxes were drawn on (enables alignment)"
    )
    read.add_argument("--carry", choices=("geared", "abrupt"), default="geared")
    read.add_argument("--model", type=Path, help="digit model (ONNX; default: the packaged one)")
    read.add_argument("--samples", type=Path, help=SAMPLES_HELP)
    read.add_argument("--json", action="store_true", help="one JSON object per line")
    read.set_defaults(func=run_read)

    digits = subparsers.add_parser(
        "digits",
        help="read single roller crops",
        description="Read each image as one roller crop, or with --boxes cut the boxes from it.",
    )
    digits.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    digits.add_argument("--boxes", help='cut these boxes from each image: "x,y,w,h;..."')
    digits.add_argument("--model", type=Path, help="digit model (ONNX; default: the packaged one)")
    digits.add_argument("--samples", type=Path, help=SAMPLES_HELP)
    digits.add_argument("--json", action="store_true", help="one JSON object per line")
    digits.set_defaults(func=run_digits)

    locate = subparsers.add_parser(
        "locate",
        help="propose digit boxes on a frame",
        description="Find the counter window and propose one box per roller, left to right.",
    )
    locate.add_argument("image", type=Path, metavar="IMAGE")
    locate.add_argument("--digits", type=int, help="number of rollers (default: as found)")
    locate.add_argument("--json", action="store_true", help="one JSON object")
    locate.set_defaults(func=run_locate)


def parse_boxes(text: str) -> tuple[Box, ...]:
    """'x,y,w,h;x,y,w,h' -> boxes; InputError naming the bad part."""
    boxes = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        fields = [f.strip() for f in part.split(",")]
        try:
            x, y, w, h = (int(f) for f in fields)
        except ValueError:
            raise InputError(f"--boxes: {part!r} is not four integers x,y,w,h") from None
        if x < 0 or y < 0 or w <= 0 or h <= 0:
            raise InputError(f"--boxes: {part!r} needs x, y >= 0 and w, h > 0")
        boxes.append(Box(x, y, w, h))
    if not boxes:
        raise InputError("--boxes: no boxes given")
    return tuple(boxes)


def load_image(path: Path) -> np.ndarray:
    import cv2  # here, not at the top: every CLI call would pay for it on the Pi

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"{path}: not an image OpenCV can read")
    return image


def geometry_from_args(args: argparse.Namespace) -> MeterGeometry:
    if args.config is not None:
        from stromzaehler.config import load_geometry

        if not args.config.is_file():
            raise InputError(f"{args.config}: no such config file")
        geometry = load_geometry(args.config)
    else:
        geometry = MeterGeometry(tuple(Box(*b) for b in REFERENCE_DIGIT_BOXES))
    if args.boxes is not None:
        geometry = replace(geometry, digit_boxes=parse_boxes(args.boxes))
    if args.decimals is not None:
        try:
            check_rollers(len(geometry.digit_boxes), args.decimals)
        except GeometryError as error:
            raise InputError(f"--decimals: {error}") from None
        geometry = replace(geometry, decimals=args.decimals)
    return geometry


def load_samples_csv(path: Path) -> list[Any]:
    """The labelled crops a --samples CSV lists; InputError naming the bad row. Rows labelled
    N (a roller between two digits, as in labelled digit sets) teach no digit: skipped."""
    import csv

    from stromzaehler.recognition.adapt import Sample

    if not path.is_file():
        raise InputError(f"{path}: no such samples file")
    samples = []
    between = 0
    with path.open(newline="") as f:
        rows = csv.DictReader(f)
        if rows.fieldnames is None or not {"file", "label"} <= set(rows.fieldnames):
            raise InputError(f"{path}: needs the columns file,label")
        for line, row in enumerate(rows, start=2):
            label = (row["label"] or "").strip()
            if label.upper() == "N":
                between += 1
                continue
            if label not in tuple("0123456789"):
                raise InputError(f"{path}:{line}: label {label!r} is not a digit 0-9")
            crop = load_image(path.parent / (row["file"] or "").strip())
            samples.append(Sample(crop, int(label)))
    if not samples:
        raise InputError(f"{path}: no samples labelled 0-9")
    if between:
        print(f"{path}: {between} rows labelled N (between two digits) skipped", file=sys.stderr)
    return samples


def _load_model(path: Path | None) -> Any:
    from stromzaehler.recognition.digits import DigitModel

    if path is not None and not path.is_file():
        raise InputError(f"{path}: no such model file")
    return DigitModel.load(path)


def _adapted(model: Any, samples: Path | None, frame_rollers: bool) -> Any:
    """The model adapted to the labelled crops of the --samples CSV (unchanged without);
    `frame_rollers` when it reads the rollers of frames, not single crops."""
    if samples is None:
        return model
    from stromzaehler.recognition.adapt import AdaptedDigitModel

    return AdaptedDigitModel(model, load_samples_csv(samples), frame_rollers=frame_rollers)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def run_read(args: argparse.Namespace) -> int:
    from stromzaehler.recognition.align import load_reference
    from stromzaehler.recognition.reading import MeterReader

    try:
        geometry = geometry_from_args(args)
        images = [load_image(path) for path in args.images]
        reference = None
        if args.reference is not None:
            load_image(args.reference)  # same one-line errors as for the frames
            reference = load_reference(args.reference, geometry.digit_boxes)
    except (InputError, ConfigError, ValueError) as error:
        return _fail(str(error))
    try:
        model = _adapted(_load_model(args.model), args.samples, frame_rollers=True)
    except InputError as error:
        return _fail(str(error))
    except Exception as error:  # a broken model file: not the user's frame, so exit 1
        return _fail(f"the digit model cannot be loaded: {error}", 1)
    reader = MeterReader(geometry, model=model, reference=reference, carry=args.carry)
    for path, image in zip(args.images, images, strict=True):
        result = reader.read(image)
        view = reading_view(result)
        record = {"file": str(path), **view, "value_kwh": view["kwh"],
                  "accepted": result.reason is None}
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            shown = result.reading or "-"
            status = "accepted" if record["accepted"] else f"rejected ({result.reason})"
            print(f"{path}: {shown} {status} confidence {result.confidence:.2f}", flush=True)
    return 0


def run_digits(args: argparse.Namespace) -> int:
    from stromzaehler.recognition.align import crop_aligned

    try:
        boxes: Sequence[Box] | None = parse_boxes(args.boxes) if args.boxes else None
        images = [load_image(path) for path in args.images]
        # With --boxes the crops are one frame's rollers; without, each image is one crop.
        model = _adapted(_load_model(args.model), args.samples, frame_rollers=boxes is not None)
    except InputError as error:
        return _fail(str(error))
    except Exception as error:
        return _fail(f"the digit model cannot be loaded: {error}", 1)
    for path, image in zip(args.images, images, strict=True):
        crops = [image] if boxes is None else [crop_aligned(image, b, None) for b in boxes]
        for index, reading in enumerate(model.read(crops)):
            record = {"file": str(path), **digit_view(reading)}
            if boxes is not None:
                record["box"] = index
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                digit = reading.digit if reading.digit is not None else "?"
                where = f"[{index}]" if boxes is not None else ""
                print(
                    f"{path}{where}: {digit} value {reading.value:.2f} "
                    f"confidence {reading.confidence:.2f}",
                    flush=True,
                )
    return 0


def run_locate(args: argparse.Namespace) -> int:
    from stromzaehler.recognition.locate import propose_boxes

    if args.digits is not None and not 1 <= args.digits <= 12:
        return _fail("--digits must be 1..12")
    try:
        image = load_image(args.image)
    except InputError as error:
        return _fail(str(error))
    boxes = propose_boxes(image, args.digits)
    as_lists = [[b.x, b.y, b.w, b.h] for b in boxes]
    if args.json:
        print(json.dumps({"file": str(args.image), "digits": len(boxes), "boxes": as_lists}))
    else:
        print(f"{args.image}: " + (";".join(",".join(map(str, b)) for b in as_lists) or "-"))
    if not boxes:
        print(f"error: {args.image}: no counter found", file=sys.stderr)
        return 1
    return 0
