"""What goes wrong in a meter cabinet, each with a rate per frame.

glare      a strong reflection on one digit
occlusion  a hand or a cable in front of part of the counter
blur       heavy defocus (camera knocked out of focus, condensation)
dark       the LED did not light (nearly black frame)
frozen     the camera delivers the previous frame again
bump       the camera was knocked: a persistent shift and rotation from then on
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import cv2
import numpy as np

from ..config import Box

FAULT_NAMES = ("glare", "occlusion", "blur", "dark", "frozen", "bump")


@dataclass(frozen=True)
class FaultRates:
    """Probability per frame of each fault (0 = never)."""

    glare: float = 0.0
    occlusion: float = 0.0
    blur: float = 0.0
    dark: float = 0.0
    frozen: float = 0.0
    bump: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            rate = getattr(self, f.name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {f.name}={rate} must be between 0 and 1")

    @classmethod
    def parse(cls, spec: str) -> FaultRates:
        """'glare=0.05,blur=0.02' -> FaultRates; ValueError names the bad part."""
        rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or name not in FAULT_NAMES:
                raise ValueError(f"bad fault {part!r}: expected NAME=RATE with NAME one of "
                                 f"{', '.join(FAULT_NAMES)}")
            try:
                rates[name] = float(value)
            except ValueError:
                raise ValueError(f"bad fault rate {part!r}: RATE must be a number") from None
        return cls(**rates)

    def sample(self, rng: np.random.Generator) -> tuple[str, ...]:
        """The faults of one frame, drawn independently."""
        draws = rng.random(len(FAULT_NAMES))
        return tuple(name for name, u in zip(FAULT_NAMES, draws, strict=True)
                     if u < getattr(self, name))


def occlude(albedo: np.ndarray, boxes: tuple[Box, ...], rng: np.random.Generator) -> None:
    """Draw a hand (a skin-coloured blob with fingers) or a cable across the counter."""
    first, last = boxes[0], boxes[-1]
    if rng.random() < 0.5:
        skin = (0.45, 0.55, 0.85)
        # A palm below the counter with fingers reaching up over one to three digits.
        cx = int(rng.uniform(first.x, last.x + last.w))
        cy = int(first.y + first.h + rng.uniform(-10, 30))
        cv2.ellipse(albedo, (cx, cy + 90), (int(rng.uniform(70, 110)), 90), 0, 0, 360, skin, -1)
        for k in range(4):
            fx = cx - 48 + 32 * k
            cv2.ellipse(albedo, (fx, cy - 10), (14, int(rng.uniform(50, 80))),
                        int(rng.uniform(-15, 15)), 0, 360, skin, -1)
    else:
        # Grey or white sheathing, lit like the face; thick enough to hide part of a digit.
        grey = float(rng.uniform(0.5, 0.9))
        cable = (grey, grey, grey)
        xs = np.linspace(-20, 660, 12)
        y_mid = rng.uniform(first.y + 0.25 * first.h, first.y + 0.75 * first.h)
        ys = y_mid + rng.uniform(-15, 15) * np.sin(xs / rng.uniform(80, 200) + rng.uniform(0, 6))
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.polylines(albedo, [points], False, cable, int(rng.uniform(12, 22)), cv2.LINE_AA)


def glare_on_digit(boxes: tuple[Box, ...], rng: np.random.Generator) -> tuple[int, int, float]:
    """Centre and strength of a strong reflection on a random digit."""
    box = boxes[int(rng.integers(len(boxes)))]
    return (int(box.x + rng.uniform(0.2, 0.8) * box.w), int(box.y + rng.uniform(0.2, 0.8) * box.h),
            float(rng.uniform(2.0, 3.0)))


def bump_offset(rng: np.random.Generator) -> tuple[float, float, float]:
    """(dx, dy, rotation_deg) of a knocked camera."""
    angle = rng.uniform(0, 2 * np.pi)
    distance = rng.uniform(8.0, 25.0)
    return (float(distance * np.cos(angle)), float(distance * np.sin(angle)),
            float(rng.uniform(-2.0, 2.0)))
