"""Random looks of simulated meters: roller and digit colours, light, font.

Real meters show white, black or red digits on white, black, red, brown or cream rollers, in
both polarities, some with little contrast (pink on dark red). The reference meter's look
(white on black under the red LED) is only one of them. `random_look` draws one meter's
RenderOptions; a share of the meters keeps the old looks so that recipes stay comparable.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from stromzaehler.simulator.glyphs import FONTS
from stromzaehler.simulator.render import RenderOptions

# BGR reflectances (0..1) of paints seen on the labelled crops.
DIGIT_PAINTS: dict[str, tuple[float, float, float]] = {
    "white": (0.88, 0.88, 0.88),
    "black": (0.10, 0.10, 0.11),
    "red": (0.10, 0.08, 0.80),
    "pink": (0.50, 0.42, 0.92),
    "dark_red": (0.08, 0.06, 0.45),
}
ROLLER_PAINTS: dict[str, tuple[float, float, float]] = {
    "white": (0.88, 0.88, 0.88),
    "black": (0.22, 0.22, 0.24),
    "red": (0.10, 0.08, 0.70),
    "dark_red": (0.08, 0.06, 0.35),
    "brown": (0.12, 0.22, 0.40),
    "cream": (0.55, 0.80, 0.85),
}
# The digit must differ from its roller by at least this in the channel with the most
# contrast under the chosen light, or nobody could read it.
MIN_PAINT_CONTRAST = 0.15


def _contrast(digit: np.ndarray, roller: np.ndarray, light: str) -> float:
    diff = np.abs(digit - roller)
    return float(diff[2] if light == "red" else diff.max())


def random_paints(
    rng: np.random.Generator,
) -> tuple[str, tuple[float, float, float], tuple[float, float, float]]:
    """(light, roller paint, digit paint) with enough contrast to read under that light.

    A red digit on a white roller disappears under the red LED, as it would on the real
    meter: such pairs get white light.
    """
    names_d, names_r = sorted(DIGIT_PAINTS), sorted(ROLLER_PAINTS)
    while True:
        digit = np.array(DIGIT_PAINTS[str(rng.choice(names_d))])
        roller = np.array(ROLLER_PAINTS[str(rng.choice(names_r))])
        # Faded paint and dirty windows: each paint varies a little.
        digit = np.clip(digit * rng.uniform(0.8, 1.15, 3), 0.02, 1.0)
        roller = np.clip(roller * rng.uniform(0.8, 1.15, 3), 0.02, 1.0)
        light = "red" if rng.random() < 0.35 else "white"
        if _contrast(digit, roller, light) < MIN_PAINT_CONTRAST:
            light = "white"
        if _contrast(digit, roller, light) >= MIN_PAINT_CONTRAST:
            return light, tuple(roller.tolist()), tuple(digit.tolist())


def random_look(
    rng: np.random.Generator, font_variety: float, paint_variety: float
) -> RenderOptions:
    """One simulated meter's look. The first draws are those of the earlier recipes, so a run
    with paint_variety 0 renders the same meters as before."""
    options = RenderOptions(
        light="red" if rng.random() < 0.7 else "white",
        rollers="white_on_black" if rng.random() < 0.7 else "black_on_white",
        red_decimal_rollers=bool(rng.random() < 0.3),
    )
    if font_variety > 0 and rng.random() < font_variety:
        options = replace(
            options,
            font=str(rng.choice(sorted(FONTS))),
            glyph_w_px=int(rng.integers(36, 53)),
            stroke_px=float(rng.uniform(7.0, 13.0)),
        )
    if paint_variety > 0 and rng.random() < paint_variety:
        light, roller, digit = random_paints(rng)
        options = replace(
            options, light=light, roller_bgr=roller, digit_bgr=digit, red_decimal_rollers=False
        )
    return options
