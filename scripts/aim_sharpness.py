"""Measure the sharpness the reader needs: blur the reference frame until it no longer reads.

    .venv/bin/python scripts/aim_sharpness.py [../shared/reference/meter-0995160.png]

Prints, per Gaussian sigma, the aiming aid's sharpness (recognition/aiming.py) and what the
reader makes of the frame (fresh reader each time: no previous reading helps it). The verdict
threshold `aiming.SHARP_ENOUGH` comes from this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

from stromzaehler.config import Settings
from stromzaehler.recognition.aiming import assess
from stromzaehler.recognition.digits import DigitModel
from stromzaehler.recognition.reading import MeterReader

TRUTH = "0995160"


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared/reference/meter-0995160.png"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    image = cv2.imread(str(path))
    if image is None:
        sys.exit(f"cannot read {path}")
    geometry = Settings().meter.geometry()
    model = DigitModel.load()
    print("sigma  sharpness  reading  right")
    for sigma in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16):
        blurred = image if sigma == 0 else cv2.GaussianBlur(image, (0, 0), float(sigma))
        sharpness = next(c.value for c in assess(blurred, geometry).checks if c.name == "sharpness")
        reading = MeterReader(geometry, model=model).read(blurred).reading
        print(f"{sigma:5.1f}  {sharpness:9.3f}  {reading or '-':>7}  {reading == TRUTH}")


if __name__ == "__main__":
    main()
