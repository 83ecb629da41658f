"""Generic vs adapted reader on the collections the packaged model never saw in training.

Per left-out meter (the model's held-out collections from its metadata; a `mixed/*`
collection of many meters is left out, one meter of it, `mixed/collected_new@WxH`, is in):
`--samples-per-digit` crops of each digit are drawn from the collection (crops labelled d
whose known position is within 0.2 of d), the reader is adapted to them
(`recognition.adapt`), and the *rest* of the collection is read by the generic and the
adapted reader. Repeated for `--repeats` draws; the table sums
over the draws. A collection with fewer than samples-per-digit + 1 crops of some digit is
skipped (and listed).

Columns as in `training.evaluate`: right / rejected among the crops labelled 0-9, wrong among
the accepted ones, and the mean roller-position error on crops with a known position.

    .venv/bin/python -m training.evaluate_adapted [--model M] [--margin 0.1] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from stromzaehler.recognition.adapt import (
    VETO_MARGIN,
    FeatureReader,
    Prototypes,
    adapted_answers,
)
from stromzaehler.recognition.digits import DEFAULT_MODEL_PATH, DigitModel
from training import data as D
from training.metrics import circular_error

SAMPLE_POSITION_TOLERANCE = 0.2


def held_out_collections(model_path: Path) -> tuple[str, ...]:
    meta_path = model_path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    held = meta.get("training_data", {}).get("held_out_collections")
    return tuple(held) if held else D.HELD_OUT_COLLECTIONS


def draw_samples(
    labels: np.ndarray, values: np.ndarray, per_digit: int, rng: np.random.Generator
) -> np.ndarray | None:
    """Indices of per_digit crops of each digit standing close to it; None if too few."""
    picked = []
    for digit in range(10):
        off = np.abs((values - digit + 5.0) % 10.0 - 5.0)
        candidates = np.where(
            (labels == str(digit)) & (np.isnan(values) | (off <= SAMPLE_POSITION_TOLERANCE))
        )[0]
        if len(candidates) <= per_digit:
            return None
        picked.extend(rng.choice(candidates, per_digit, replace=False))
    return np.array(picked)


def tally(digits: list[str | None], read_values: np.ndarray, labels, values) -> np.ndarray:
    """[crops labelled 0-9, right, accepted, abs position error sum, crops with a position]."""
    labelled = labels != "N"
    answer = np.array([d if d is not None else "-" for d in digits])
    right = int((answer[labelled] == labels[labelled]).sum())
    accepted = int((answer[labelled] != "-").sum())
    known = ~np.isnan(values)
    error = circular_error(read_values[known], values[known]).sum() if known.any() else 0.0
    return np.array([labelled.sum(), right, accepted, error, known.sum()], dtype=np.float64)


def row(name: str, t: np.ndarray) -> str:
    n, right, accepted, error, known = t
    wrong = accepted - right
    mae = error / known if known else math.nan
    return (
        f"| {name} | {int(n)} | {100 * right / n:.2f} % | {100 * wrong / max(accepted, 1):.2f} % "
        f"| {100 * (n - accepted) / n:.2f} % | {mae:.3f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--digits-dir", type=Path, default=D.DEFAULT_DIGITS_DIR)
    parser.add_argument("--samples-per-digit", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--margin", type=float, default=VETO_MARGIN)
    args = parser.parse_args(argv)

    model = DigitModel.load(args.model)
    reader = FeatureReader(model)
    # A collection of many meters has nothing to adapt to; one of its meters ("@WxH") has.
    collections = [
        c for c in held_out_collections(args.model) if "@" in c or not c.startswith("mixed/")
    ]
    crops = D.load_real(args.digits_dir, tuple(collections))
    print(f"model {args.model.name}, margin {args.margin}, {args.samples_per_digit} samples per")
    print(f"digit, {args.repeats} draws per collection; counts summed over the draws\n")
    header = "| collection | reader | crops 0-9 | right | wrong/accepted | rejected | MAE |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    pooled = {"generic": np.zeros(5), "adapted": np.zeros(5)}
    skipped = []
    for collection in collections:
        idx = [i for i, c in enumerate(crops.collections) if c == collection]
        labels = np.array([crops.labels[i] for i in idx])
        values = np.array([crops.values[i] for i in idx], dtype=np.float64)
        probs, features = [], []
        for start in range(0, len(idx), 256):
            p, f = reader.run([crops.originals[i] for i in idx[start : start + 256]])
            probs.append(p)
            features.append(f)
        probs_all, features_all = np.concatenate(probs), np.concatenate(features)
        totals = {"generic": np.zeros(5), "adapted": np.zeros(5)}
        for repeat in range(args.repeats):
            picked = draw_samples(
                labels, values, args.samples_per_digit, np.random.default_rng(repeat)
            )
            if picked is None:
                break
            rest = np.setdiff1d(np.arange(len(idx)), picked)
            prototypes = Prototypes(features_all[picked], labels[picked].astype(np.int64))
            empty = Prototypes(
                np.zeros((0, features_all.shape[1]), np.float32), np.zeros(0, np.int64)
            )
            for name, protos in (("generic", empty), ("adapted", prototypes)):
                answers = adapted_answers(
                    probs_all[rest], features_all[rest], protos, model.min_confidence, args.margin
                )
                read_values = np.array([a.value for a in answers])
                totals[name] += tally(
                    [a.digit for a in answers], read_values, labels[rest], values[rest]
                )
        if not totals["generic"][0]:
            skipped.append(collection)
            continue
        for name in ("generic", "adapted"):
            lines.append(row(f"{collection} | {name}", totals[name]))
            pooled[name] += totals[name]
    for name in ("generic", "adapted"):
        lines.append(row(f"**pooled** | {name}", pooled[name]))
    print("\n".join(lines))
    if skipped:
        print(f"\nskipped (too few crops of some digit): {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
