"""Render the reference scene (099516.0) and compare it with the real frame, measure by measure.

    .venv/bin/python scripts/realism.py [--reference PATH] [--picture docs/realism-side-by-side.png]

Prints, for the real and the simulated frame, the measures below and their relative
differences (target: each within 25 %):
- stroke contrast: Michelson contrast of the red channel, digit pixels vs band pixels in the
  digit boxes (split per box with Otsu's threshold);
- blur: variance of the Laplacian of the grey image over the counter (lower = blurrier);
- noise: standard deviation of the red channel's noise by Immerkaer's method, on a flat part
  of the meter face;
- mean colour (BGR) of band pixels and of digit pixels; the difference is the distance of the
  two colours relative to the real colour's length;
- digit shape: normalised cross-correlation of each simulated digit box with the real frame
  (best within +-6 px, since the real rollers rest slightly off-centre).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from stromzaehler.simulator import SimulatedMeter
from stromzaehler.simulator.render import REFERENCE_BOXES

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "meter-0995160.png"
REFERENCE_START_UTC = 1_735_689_600          # any instant; the counter is set to the reading
FLAT_FACE = (slice(20, 100), slice(400, 600))  # above the counter, away from the glare


def digit_and_band_pixels(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BGR pixels of digits and of band inside the digit boxes (Otsu per box, red channel)."""
    digits, band = [], []
    for box in REFERENCE_BOXES:
        crop = image[box.y:box.y + box.h, box.x:box.x + box.w]
        red = crop[:, :, 2]
        threshold, _ = cv2.threshold(red, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        mask = red > threshold
        digits.append(crop[mask])
        band.append(crop[~mask])
    return np.concatenate(digits).astype(np.float64), np.concatenate(band).astype(np.float64)


def immerkaer_noise(channel: np.ndarray) -> float:
    """Noise standard deviation by Immerkaer's method (Laplacian-difference mask)."""
    mask = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float64)
    response = cv2.filter2D(channel.astype(np.float64), -1, mask)[1:-1, 1:-1]
    h, w = channel.shape
    return float(np.sqrt(np.pi / 2) * np.abs(response).sum() / (6 * (w - 2) * (h - 2)))


def frame_stats(image: np.ndarray) -> dict[str, float | np.ndarray]:
    digits, band = digit_and_band_pixels(image)
    digit_red, band_red = digits[:, 2].mean(), band[:, 2].mean()
    first, last = REFERENCE_BOXES[0], REFERENCE_BOXES[-1]
    counter = image[first.y:last.y + last.h, first.x:last.x + last.w]
    grey = cv2.cvtColor(counter, cv2.COLOR_BGR2GRAY)
    noise = immerkaer_noise(image[:, :, 2][FLAT_FACE])
    return {
        "stroke contrast": (digit_red - band_red) / (digit_red + band_red),
        "blur (Laplacian variance)": float(cv2.Laplacian(grey, cv2.CV_64F).var()),
        "noise (red, Immerkaer)": float(noise),
        "band colour BGR": band.mean(axis=0),
        "digit colour BGR": digits.mean(axis=0),
    }


def digit_shape_similarity(real: np.ndarray, sim: np.ndarray, slack_px: int = 6) -> list[float]:
    """Per box: normalised cross-correlation (red channel) of the simulated digit box with the
    real frame, best over shifts of up to `slack_px` (real rollers rest a little off-centre)."""
    scores = []
    for box in REFERENCE_BOXES:
        window = real[box.y - slack_px:box.y + box.h + slack_px,
                      box.x - slack_px:box.x + box.w + slack_px, 2].astype(np.float32)
        template = sim[box.y:box.y + box.h, box.x:box.x + box.w, 2].astype(np.float32)
        result = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
        scores.append(float(result.max()))
    return scores


def relative_difference(real: float | np.ndarray, sim: float | np.ndarray) -> float:
    real_a, sim_a = np.atleast_1d(real).astype(float), np.atleast_1d(sim).astype(float)
    return float(np.linalg.norm(sim_a - real_a) / np.linalg.norm(real_a))


def fmt(value: float | np.ndarray) -> str:
    if np.ndim(value):
        return "(" + ", ".join(f"{v:.1f}" for v in value) + ")"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def render_reference_scene(seed: int) -> np.ndarray:
    """A simulated frame of the reference reading, 099516.0, in the reference geometry."""
    meter = SimulatedMeter(seed=seed, start_utc=REFERENCE_START_UTC, start_wh=99_516_000)
    frame, truth = meter.frame_at(REFERENCE_START_UTC)
    if truth.reading != "0995160":
        raise RuntimeError(f"reference scene shows {truth.reading}, not 0995160")
    return frame


def side_by_side(real: np.ndarray, sim: np.ndarray) -> np.ndarray:
    labelled = []
    for image, label in ((real, "real frame (reference)"), (sim, "simulated, same reading")):
        canvas = image.copy()
        cv2.rectangle(canvas, (0, 0), (300, 30), (0, 0, 0), -1)
        cv2.putText(canvas, label, (8, 21), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1,
                    cv2.LINE_AA)
        labelled.append(canvas)
    top = np.hstack(labelled)
    # Counter band enlarged, real above simulated, to judge digits and curvature.
    band = slice(140, 290)
    zoom = np.vstack([real[band], sim[band]])
    zoom = cv2.resize(zoom, (1280, 600), interpolation=cv2.INTER_CUBIC)
    return np.vstack([top, zoom])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--picture", type=Path, default=REPO / "docs" / "realism-side-by-side.png")
    parser.add_argument("--seed", type=int, default=0, help="seed of the frame in the table")
    parser.add_argument("--spread", type=int, default=10,
                        help="also report the worst difference over this many seeds")
    args = parser.parse_args(argv)
    real = cv2.imread(str(args.reference))
    if real is None:
        print(f"error: cannot read the reference frame {args.reference}", file=sys.stderr)
        return 2
    sim = render_reference_scene(args.seed)
    real_stats, sim_stats = frame_stats(real), frame_stats(sim)
    print(f"seed {args.seed}:\n")
    print("| measure | real | simulated | difference |\n|---|---|---|---|")
    for name, real_value in real_stats.items():
        diff = relative_difference(real_value, sim_stats[name])
        print(f"| {name} | {fmt(real_value)} | {fmt(sim_stats[name])} | {diff:.1%} |")
    shapes = digit_shape_similarity(real, sim)
    print(f"\ndigit shape: normalised cross-correlation of each simulated box with the real "
          f"frame: {', '.join(f'{v:.2f}' for v in shapes)} (mean {np.mean(shapes):.2f})")
    # Noise, jitter and exposure drift differ per frame: how far does the worst frame go?
    worst = dict.fromkeys(real_stats, 0.0)
    for seed in range(args.spread):
        stats = frame_stats(render_reference_scene(seed))
        for name, real_value in real_stats.items():
            worst[name] = max(worst[name], relative_difference(real_value, stats[name]))
    print(f"\nlargest difference over seeds 0..{args.spread - 1}:\n")
    print("| measure | largest difference |\n|---|---|")
    for name, diff in worst.items():
        print(f"| {name} | {diff:.1%} |")
    args.picture.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.picture), side_by_side(real, sim))
    print(f"picture: {args.picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
