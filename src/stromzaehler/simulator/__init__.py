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

from .faults import FAULT_NAMES, FaultRates
from .household import DayLoad, HouseholdModel
from .meter import MeterMechanics
from .render import Renderer, RenderOptions
from .scene import MeterTruth, SimulatedMeter

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
