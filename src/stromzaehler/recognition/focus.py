"""How sharp the rollers are, compared with the set-up frame: a defocused frame is not read.

Heavy defocus (a knocked lens, condensation) leaves the digits readable but moves the last
roller's position by up to 0.2 digit, enough to round the reading up a step too early: in a
simulated half day one blurred frame read 0.85 for a roller at 0.685 and stored a reading one
step ahead. Sharpness here is the variance of the Laplacian over the variance of the grey
levels, at half the model's input size: dividing by the contrast keeps daylight and LED
frames comparable, the small size averages the sensor noise away (noise would otherwise look
like sharpness). On simulated frames, clean ones lie at 0.88-1.40 of the set-up frame's
value, blurred ones at 0.33-0.57; the reference frame blurred with a Gaussian of sigma 2 px
gives 0.72, sigma 4 px 0.49, half or double the contrast 1.03-1.05, JPEG quality 50 0.92.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from stromzaehler.recognition.digits import INPUT_H, INPUT_W

# Below this share of the set-up frame's sharpness a frame is too blurred to read.
MIN_FOCUS_RATIO = 0.65


def crop_focus(crop_bgr: np.ndarray) -> float:
    """Laplacian variance over grey-level variance of one crop at half the model's size."""
    grey = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY) if crop_bgr.ndim == 3 else crop_bgr
    small = cv2.resize(grey, (INPUT_W // 2, INPUT_H // 2), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    return float(cv2.Laplacian(small, cv2.CV_32F).var()) / max(float(small.var()), 1.0)


def frame_focus(crops: Sequence[np.ndarray]) -> float:
    """The median sharpness of a frame's roller crops (one smudged roller does not decide)."""
    return float(np.median([crop_focus(c) for c in crops])) if len(crops) else 0.0
