"""`stromzaehler teach` and `stromzaehler adaptation`: parse, call stromzaehler.adaptation, format.

`teach --data DIR --reading 099516.0` checks the reader against the reading the owner sees on
the meter, on the newest frame kept in the data folder (`--image` for another one); exit 0 when
the reader agrees (the set-up is then confirmed), 1 when it does not (the message names the
roller and what was read), 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    from .flags import add_settings_flags

    teach = subparsers.add_parser(
        "teach",
        help="check the reader against the reading the meter shows; learn this meter's digits",
        description="Read the newest frame kept in the data folder, compare it with the reading "
        "you typed, keep the roller crops as samples of this meter and, when the reader agrees, "
        "confirm the set-up so the first reading can be stored.",
    )
    add_settings_flags(teach)
    teach.add_argument(
        "--reading", required=True, help="what the meter shows: 099516.0 or the digits 0995160"
    )
    teach.add_argument("--image", type=Path, help="frame to use (default: the newest kept one)")
    teach.add_argument("--json", action="store_true", help="one JSON object")
    teach.set_defaults(func=run_teach)

    adaptation = subparsers.add_parser(
        "adaptation", help="show or reset this meter's adaptation profile"
    )
    add_settings_flags(adaptation)
    adaptation.add_argument("--reset", action="store_true", help="forget all samples")
    adaptation.set_defaults(func=run_adaptation)


def _newest_frame_image(data_dir: Path) -> Path | None:
    from ..store import Store

    store = Store.open(data_dir)
    try:
        for frame in store.frames(limit=50):
            if frame.image_path and Path(frame.image_path).is_file():
                return Path(frame.image_path)
    finally:
        store.close()
    return None


def run_teach(args: argparse.Namespace) -> int:
    from ..capture.adaptation import teach
    from ..capture.reader_setup import Recognizer
    from .flags import settings_from_args
    from .recognition import InputError, load_image

    settings = settings_from_args(args)
    data_dir = settings.storage.data_dir
    path = args.image or _newest_frame_image(data_dir)
    if path is None:
        print(f"error: no frame kept in {data_dir} yet: run the service first", file=sys.stderr)
        return 2
    try:
        image = load_image(path)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    geometry = settings.meter.geometry()
    try:
        result = teach(
            image, args.reading, geometry, data_dir, lambda: Recognizer(settings, data_dir).reader
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        record = {
            "file": str(path),
            "typed": result.typed,
            "read": result.read,
            "agrees": result.confirmed,
            "samples_added": result.samples_added,
            "mismatches": [m.__dict__ for m in result.mismatches],
            "message": result.message(),
        }
        print(json.dumps(record))
    else:
        print(f"{path}: {result.message()} ({result.samples_added} samples kept)")
    return 0 if result.confirmed else 1


def run_adaptation(args: argparse.Namespace) -> int:
    from ..capture.adaptation_store import AdaptationStore, summary
    from .flags import settings_from_args

    settings = settings_from_args(args)
    store = AdaptationStore(settings.storage.data_dir)
    if args.reset:
        store.reset()
    print(json.dumps(summary(store.load(settings.meter.geometry()))))
    return 0
