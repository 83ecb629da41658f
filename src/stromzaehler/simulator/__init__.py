"""Simulated meter: household load, Ferraris mechanics and camera frames with ground truth.

    meter = SimulatedMeter(seed=0, start_utc=t0, annual_kwh=3500, start_wh=99_516_000,
                           options=RenderOptions(), faults=FaultRates(glare=0.05))
    truth = meter.truth_at(t)          # counter_wh, energy_wh, power_w, roller_positions, ...
    image, truth = meter.frame_at(t)   # BGR uint8 480x640 like the reference frame
    meter.geometry                     # MeterGeometry: where the rollers and the disc are

Parts: household.py (load at 1-s resolution), meter.py (rollers, carry, disc), glyphs.py and
render.py (frames), faults.py (what goes wrong), scene.py (all of it together), run.py and
cli.py (`stromzaehler simulate`).
"""

from importlib import import_module
from typing import Any

# Loaded on first use, so that `stromzaehler --help` does not import OpenCV (seconds on a Pi).
_EXPORTS = {
    "FAULT_NAMES": "faults",
    "FaultRates": "faults",
    "DayLoad": "household",
    "HouseholdModel": "household",
    "MeterMechanics": "meter",
    "Renderer": "render",
    "RenderOptions": "render",
    "MeterTruth": "scene",
    "SimulatedMeter": "scene",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


__all__ = [
    "FAULT_NAMES",
    "DayLoad",
    "FaultRates",
    "HouseholdModel",
    "MeterMechanics",
    "MeterTruth",
    "RenderOptions",
    "Renderer",
    "SimulatedMeter",
]
