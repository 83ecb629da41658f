"""Per-meter table of a digit model as the runtime reads it (DigitModel.read).

    .venv/bin/python -m training.per_meter --model M.onnx --split selection   # choose recipes
    .venv/bin/python -m training.per_meter --split test                       # report, after

Columns over crops labelled 0-9: right, wrong among accepted (count and share), rejected;
MAE and "gross" (more than half a digit off) over crops with a known position. The pooled row
counts every crop once, so large meters weigh more.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stromzaehler.recognition.digits import DigitModel
from training import data as D
from training.metrics import circular_error

SPLITS = {
    "selection": D.SELECTION_COLLECTIONS,
    "test": D.TEST_COLLECTIONS,
    "old_test": D.OLD_TEST_COLLECTIONS,
    "calibration": D.CALIBRATION_COLLECTIONS,
}


@dataclass(frozen=True)
class MeterScore:
    meter: str
    n: int  # crops labelled 0-9
    right: int
    wrong: int  # accepted with another digit
    rejected: int
    n_known: int  # crops with a known position
    abs_error_sum: float
    gross: int

    @property
    def accepted(self) -> int:
        return self.n - self.rejected

    @property
    def mae(self) -> float:
        return self.abs_error_sum / self.n_known if self.n_known else math.nan

    def __add__(self, other: MeterScore) -> MeterScore:
        return MeterScore(
            "pooled",
            self.n + other.n,
            self.right + other.right,
            self.wrong + other.wrong,
            self.rejected + other.rejected,
            self.n_known + other.n_known,
            self.abs_error_sum + other.abs_error_sum,
            self.gross + other.gross,
        )


def score(model: DigitModel, crops: D.CropSet, meter: str) -> MeterScore:
    """Read every crop of one meter and count the outcomes."""
    readings = model.read(crops.originals)
    labelled = [(r.digit, lab) for r, lab in zip(readings, crops.labels, strict=True) if lab != "N"]
    known = [i for i, k in enumerate(crops.kinds) if k == D.KIND_VALUE]
    errors = circular_error(
        np.array([readings[i].value for i in known]), np.array([crops.values[i] for i in known])
    )
    rejected = sum(1 for d, _ in labelled if d is None)
    right = sum(1 for d, lab in labelled if d == lab)
    return MeterScore(
        meter,
        len(labelled),
        right,
        len(labelled) - rejected - right,
        rejected,
        len(known),
        float(errors.sum()),
        int((errors > 0.5).sum()),
    )


def meters_of(digits_dir: Path, names: tuple[str, ...]) -> dict[str, D.CropSet]:
    """The crops of every meter named (or inside a named collection), one set per meter."""
    crops = D.load_real(digits_dir, names)
    out: dict[str, D.CropSet] = {}
    for i, meter in enumerate(crops.collections):
        one = out.setdefault(meter, D.CropSet())
        for field in ("images", "kinds", "values", "labels", "collections", "files", "originals"):
            getattr(one, field).append(getattr(crops, field)[i])
    return dict(sorted(out.items()))


def markdown_row(label: str, s: MeterScore) -> str:
    pct = 100.0 / s.n if s.n else math.nan
    wrong_acc = 100.0 * s.wrong / s.accepted if s.accepted else 0.0
    return (
        f"| {label} | {s.n} | {pct * s.right:.1f} % | {s.wrong} ({wrong_acc:.2f} %) | "
        f"{pct * s.rejected:.1f} % | {s.mae:.3f} | {s.gross} / {s.n_known} |"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=None, help="default: the packaged model")
    p.add_argument("--digits-dir", type=Path, default=D.DEFAULT_DIGITS_DIR)
    p.add_argument("--split", choices=sorted(SPLITS), action="append", default=None)
    p.add_argument("--label", default="", help="first column text, e.g. the recipe")
    args = p.parse_args(argv)
    if not (args.digits_dir / "labels.csv").exists():
        print(f"digit set not found: {args.digits_dir}")
        return 2
    model = DigitModel.load(args.model)
    print(f"model {args.model or 'packaged'}: threshold {model.min_confidence}")
    print("| model / meter | n 0-9 | right | wrong (of accepted) | rejected | MAE | gross |")
    print("|---|---|---|---|---|---|---|")
    for split in args.split or ["selection"]:
        pooled: MeterScore | None = None
        for meter, crops in meters_of(args.digits_dir, SPLITS[split]).items():
            s = score(model, crops, meter)
            pooled = s if pooled is None else pooled + s
            print(markdown_row(f"{args.label} {meter}".strip(), s))
        if pooled is not None:
            print(markdown_row(f"{args.label} {split}, pooled".strip(), pooled))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
