"""The meter's arithmetic: rollers, decimals, Wh per step, modulus and counter values.

One owner for the rules every face and stage used to write down for itself: how many Wh one
step of the last roller is, after which value the rollers wrap, the roller digits of a counter
value, the counter from what the owner typed, and which roller/decimal combinations exist.
Also the shapes: the boxes of the rollers and the disc window (MeterGeometry), which the
settings build. Pure: no settings, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DECIMALS = 3  # a step is at least 1 Wh: counters are integer Wh (invariant 4)
MAX_ROLLERS = 12


@dataclass(frozen=True)
class Box:
    """Pixel rectangle: top-left corner and size."""

    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0


@dataclass(frozen=True)
class MeterGeometry:
    """Where the rollers and the disc are in the camera frame, and how to read them."""

    digit_boxes: tuple[Box, ...]
    decimals: int = 1
    disc_window: Box | None = None
    revolutions_per_kwh: float = 75.0


# Measured on ../shared/reference/meter-0995160.png (640x480 Pi camera V1.3 frame).
REFERENCE_DIGIT_BOXES: tuple[tuple[int, int, int, int], ...] = (
    (19, 166, 46, 84),
    (109, 166, 46, 84),
    (200, 168, 46, 84),
    (292, 169, 46, 84),
    (384, 169, 46, 84),
    (479, 170, 46, 84),
    (576, 171, 46, 84),
)
REFERENCE_DISC_WINDOW = (262, 355, 138, 52)


class GeometryError(ValueError):
    """A roller/decimal combination no meter has; the message is one line for the user."""


def check_rollers(rollers: int, decimals: int) -> None:
    """Refuse what cannot be a counter: at least one roller left of the decimal point."""
    if not 1 <= rollers <= MAX_ROLLERS:
        raise GeometryError(f"a counter has 1 to {MAX_ROLLERS} rollers, not {rollers}")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise GeometryError(f"decimals must be 0 to {MAX_DECIMALS}, not {decimals}")
    if decimals >= rollers:
        raise GeometryError(
            f"decimals ({decimals}) must be fewer than the rollers ({rollers})"
        )


def wh_per_step(decimals: int) -> int:
    """Energy of one step of the last roller: 100 Wh with one decimal (tenths of a kWh)."""
    if not 0 <= decimals <= MAX_DECIMALS:
        raise GeometryError(f"decimals must be 0 to {MAX_DECIMALS}, not {decimals}")
    return 10 ** (3 - decimals)


def steps_to_wh(steps: int, decimals: int) -> int:
    """Counter in Wh from the number the rollers show (their digits read as one integer)."""
    return steps * wh_per_step(decimals)


def wh_to_steps(counter_wh: int, decimals: int) -> int:
    """Whole steps of the last roller in a counter value (rounded down)."""
    return counter_wh // wh_per_step(decimals)


def modulus_wh(rollers: int, decimals: int) -> int:
    """The counter after all nines: the rollers show 0…0 again (e.g. 10**7 steps of 100 Wh)."""
    if rollers < 1:
        raise GeometryError(f"a counter has at least one roller, not {rollers}")
    return 10**rollers * wh_per_step(decimals)


def roller_digits(counter_wh: int, rollers: int, decimals: int) -> str:
    """What the rollers show for a counter value, e.g. 99_516_000 Wh -> "0995160"."""
    return str(wh_to_steps(counter_wh, decimals) % 10**rollers).zfill(rollers)


def counter_wh_from_text(text: str, rollers: int, decimals: int) -> int:
    """The counter in Wh from what the owner typed: all roller digits ("0995160") or kWh
    ("99516.0" / "99516,0"); ValueError with a message for the owner when it is unclear."""
    cleaned = text.strip().replace(" ", "")
    if re.fullmatch(r"\d+", cleaned) and len(cleaned) == rollers:
        return steps_to_wh(int(cleaned), decimals)
    match = re.fullmatch(r"(\d+)(?:[.,](\d{1,3}))?", cleaned)
    if match is None:
        raise ValueError(
            f"{text!r}: type the {rollers} roller digits (e.g. {'0' * rollers}) or kWh such as"
            " 99516,0"
        )
    whole, fraction = match.group(1), (match.group(2) or "")
    return int(whole) * 1000 + int(fraction.ljust(3, "0") or 0)
