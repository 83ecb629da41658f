"""Train the digit CNN and write the packaged ONNX model.

    .venv/bin/python -m training.train                      # full run, writes the model
    .venv/bin/python -m training.train --head sincos --epochs 6 --no-export   # head comparison

Leave-meters-out: the meters in training.data.HELD_OUT_COLLECTIONS never enter training;
CALIBRATION_COLLECTIONS fit the temperature and the confidence threshold and TEST_COLLECTIONS
give the reported numbers. Recipe runs add --hold-out-selection and are compared on
SELECTION_COLLECTIONS (training/per_meter.py). Seeded; runs on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from stromzaehler.recognition.digits import (
    DEFAULT_MODEL_PATH,
    INPUT_H,
    INPUT_W,
    decode_bins,
    name_digits,
    to_single_channel,
)
from training import data as D
from training.augment import augment, blank_crop, occluded
from training.calibrate import calibrate
from training.metrics import circular_error, digit_metrics
from training.model import DigitNet

MODEL_VERSION = 1
BLANK_SHARE = 0.06


def batch_tensor(images: list[np.ndarray]) -> torch.Tensor:
    planes = np.stack([to_single_channel(im) for im in images])
    return torch.from_numpy(planes[:, None, :, :])


def head_loss(head: str, out: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    kinds, values, targets, modes = (
        batch["kinds"],
        batch["values"],
        batch["targets"],
        batch["modes"],
    )
    if head == "bins100":
        logp = F.log_softmax(out, dim=1)
        soft = -(targets * logp).sum(dim=1)
        partial = -torch.logsumexp(logp.masked_fill(targets <= 0, -1e9), dim=1)
        return torch.where(modes == 1, partial, soft).mean()
    known = kinds == D.KIND_VALUE
    if head == "sincos":
        angle = values * (2 * math.pi / 10.0)
        tgt = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
        ints = batch["int_labels"]
        int_angle = ints.float() * (2 * math.pi / 10.0)
        int_tgt = torch.stack([torch.cos(int_angle), torch.sin(int_angle)], dim=1)
        use_int = (kinds == D.KIND_MASK) & (ints >= 0)
        tgt = torch.where(use_int[:, None], int_tgt, tgt)
        w = known.float() + 0.5 * use_int.float()
        err = ((out - torch.nan_to_num(tgt)) ** 2).sum(dim=1)
        return (w * err).sum() / w.sum().clamp(min=1)
    # cls10off: nearest digit class + offset in [-0.5, 0.5)
    ints = batch["int_labels"]
    rounded = torch.round(torch.nan_to_num(values)) % 10
    cls = torch.where(known, rounded.long(), ints)
    has_cls = cls >= 0
    logp = F.log_softmax(out[:, :10], dim=1)
    ce = -logp.gather(1, cls.clamp(min=0)[:, None])[:, 0]
    blank = kinds == D.KIND_BLANK
    ce = torch.where(blank, -logp.mean(dim=1), ce)
    ce_w = (has_cls | blank).float()
    offset_true = torch.nan_to_num(values) - torch.round(torch.nan_to_num(values))
    offset_pred = 0.5 * torch.tanh(out[:, 10])
    off = F.smooth_l1_loss(offset_pred * 10, offset_true * 10, reduction="none")
    return (ce * ce_w).sum() / ce_w.sum().clamp(min=1) + (off * known.float()).mean()


def decode_values(head: str, out: np.ndarray) -> np.ndarray:
    if head == "bins100":
        return decode_bins(out, 1.0)[0]
    if head == "sincos":
        return (np.arctan2(out[:, 1], out[:, 0]) / (2 * np.pi) * 10.0) % 10.0
    cls = out[:, :10].argmax(axis=1)
    return (cls + 0.5 * np.tanh(out[:, 10])) % 10.0


def predict(model: DigitNet, images: list[np.ndarray], bs: int = 512) -> np.ndarray:
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(images), bs):
            outs.append(model(batch_tensor(images[i : i + bs])).numpy())
    return np.concatenate(outs) if outs else np.zeros((0, 1), np.float32)


def value_metrics(values: np.ndarray, s: D.CropSet) -> dict[str, float]:
    """Position MAE on crops with a known position, digit metrics with no confidence gate."""
    known = np.array([k == D.KIND_VALUE for k in s.kinds])
    true = np.array(s.values)
    mae = float(circular_error(values[known], true[known]).mean()) if known.any() else math.nan
    m = digit_metrics(name_digits(values, np.ones(len(values)), 0.0), s.labels)
    return {"mae": mae, **m}


def export_onnx(model: DigitNet, path: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    torch.onnx.export(
        model,
        dummy,
        str(path),
        opset_version=11,
        dynamo=False,
        input_names=["crop"],
        output_names=["logits"],
        dynamic_axes={"crop": {0: "n"}, "logits": {0: "n"}},
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--digits-dir", type=Path, default=D.DEFAULT_DIGITS_DIR)
    p.add_argument("--head", choices=["bins100", "sincos", "cls10off"], default="bins100")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sim-frames", type=int, default=1000, help="simulator frames (7 crops each)")
    p.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    p.add_argument("--width", type=int, default=16, help="channels of the first conv stage")
    p.add_argument("--hidden", type=int, default=96, help="units of the dense layer")
    p.add_argument("--no-export", action="store_true")
    p.add_argument(
        "--hold-out",
        action="append",
        default=[],
        metavar="COLLECTION",
        help="also leave this training collection out and report on it (to compare recipes "
        "without looking at the test collections); repeatable",
    )
    p.add_argument(
        "--bars",
        type=float,
        default=0.3,
        help="share of crops given a bar of what is beside the roller (augment.py)",
    )
    p.add_argument(
        "--shuffle", type=float, default=0.25, help="share of crops with colour channels shuffled"
    )
    p.add_argument(
        "--streaks",
        type=float,
        default=0.0,
        help="share of crops with a reflection streak of the window pane across them",
    )
    p.add_argument(
        "--font-variety",
        type=float,
        default=0.5,
        help="share of simulated meters in a random font, glyph width and stroke",
    )
    p.add_argument(
        "--paint-variety",
        type=float,
        default=0.5,
        help="share of simulated meters with random roller and digit paints (looks.py)",
    )
    p.add_argument(
        "--bands",
        type=float,
        default=0.15,
        help="share of crops with a broad reflection band across the lower half",
    )
    p.add_argument(
        "--hold-out-selection",
        action="store_true",
        help="leave the recipe-selection meters out as well (training.data.SELECTION_COLLECTIONS)",
    )
    p.add_argument(
        "--occluded",
        type=float,
        default=0.0,
        help="share of crops with something in front of the roller, trained as no digit",
    )
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    t0 = time.monotonic()

    dev = tuple(args.hold_out) + (D.SELECTION_COLLECTIONS if args.hold_out_selection else ())
    train = D.load_real(args.digits_dir, None, exclude=D.HELD_OUT_COLLECTIONS + dev)
    n_real = len(train)
    sim = (
        D.simulator_crops(
            args.sim_frames,
            args.seed,
            font_variety=args.font_variety,
            paint_variety=args.paint_variety,
        )
        if args.sim_frames > 0
        else D.CropSet()
    )
    train.extend(sim)
    calib = D.load_real(args.digits_dir, D.CALIBRATION_COLLECTIONS)
    test = D.load_real(args.digits_dir, D.TEST_COLLECTIONS)
    print(
        f"train {n_real} real + {len(sim)} simulator crops, calibration {len(calib)}, "
        f"test {len(test)} ({time.monotonic() - t0:.0f}s)",
        flush=True,
    )
    targets = [
        D.target_for(k, v, lab)
        for k, v, lab in zip(train.kinds, train.values, train.labels, strict=True)
    ]
    int_labels = [int(lab) if lab != "N" else -1 for lab in train.labels]

    model = DigitNet(args.head, width=args.width, hidden=args.hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15
    )
    blank_target, _ = D.target_for(D.KIND_BLANK, math.nan, "N")

    def augmented(i: int) -> np.ndarray:
        return augment(train.images[i], rng, args.bars, args.shuffle, args.streaks, args.bands)

    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(train))
        total = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch_size : (step + 1) * args.batch_size]
            n_blank = int(rng.binomial(len(idx), BLANK_SHARE))
            n_hidden = int(rng.binomial(len(idx) - n_blank, args.occluded)) if args.occluded else 0
            hidden = idx[n_blank : n_blank + n_hidden]
            sel = list(idx[n_blank + n_hidden :])
            imgs = [augmented(i) for i in sel]
            imgs += [blank_crop(rng) for _ in range(n_blank)]
            imgs += [occluded(augmented(i), rng) for i in hidden]
            n_none = n_blank + n_hidden  # crops without a readable digit
            kinds = [train.kinds[i] for i in sel] + [D.KIND_BLANK] * n_none
            vals = [train.values[i] for i in sel] + [math.nan] * n_none
            tg = [targets[i][0] for i in sel] + [blank_target] * n_none
            md = [targets[i][1] for i in sel] + [0] * n_none
            il = [int_labels[i] for i in sel] + [-1] * n_none
            batch = {
                "kinds": torch.tensor(kinds),
                "values": torch.tensor(vals, dtype=torch.float32),
                "targets": torch.from_numpy(np.stack(tg)),
                "modes": torch.tensor(md),
                "int_labels": torch.tensor(il),
            }
            loss = head_loss(args.head, model(batch_tensor(imgs)), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        m = value_metrics(decode_values(args.head, predict(model, calib.images)), calib)
        print(
            f"epoch {epoch + 1}/{args.epochs} loss {total / steps_per_epoch:.3f} | calibration "
            f"MAE {m['mae']:.3f} acc {m['accuracy']:.3f} reject {m['reject']:.3f} "
            f"wrong {m['wrong_acc']:.3f} | {time.monotonic() - t0:.0f}s",
            flush=True,
        )

    reported = [("calibration", calib), ("test", test)]
    if dev:
        reported.append(("held out " + ",".join(dev), D.load_real(args.digits_dir, dev)))
    for name, s in reported:
        m = value_metrics(decode_values(args.head, predict(model, s.images)), s)
        print(f"final {args.head} {name}: " + json.dumps({k: round(v, 4) for k, v in m.items()}))
    if args.head != "bins100" or args.no_export:
        return 0

    args.out.parent.mkdir(parents=True, exist_ok=True)
    export_onnx(model, args.out)
    meta = {
        "version": MODEL_VERSION,
        "head": "bins100",
        "input_w": INPUT_W,
        "input_h": INPUT_H,
        "input": "PCA-projected single channel, standardised (digits.to_single_channel)",
        "seed": args.seed,
        "epochs": args.epochs,
        "width": args.width,
        "hidden": args.hidden,
        "augmentation": {
            "beside_the_roller": args.bars,
            "colour_shuffle": args.shuffle,
            "reflection_streaks": args.streaks,
            "simulator_font_variety": args.font_variety,
            "simulator_paint_variety": args.paint_variety,
            "reflection_bands": args.bands,
            "occluded_as_no_digit": args.occluded,
        },
        "training_data": {
            "real_crops": n_real,
            "simulator_crops": len(sim),
            "held_out_collections": list(D.HELD_OUT_COLLECTIONS + dev),
            "calibration_collections": list(D.CALIBRATION_COLLECTIONS),
            "test_collections": list(D.TEST_COLLECTIONS),
            "selection_collections": list(D.SELECTION_COLLECTIONS),
        },
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    fitted = calibrate(args.out, args.digits_dir)
    print("calibration: " + json.dumps(fitted))
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size} bytes) in {time.monotonic() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
