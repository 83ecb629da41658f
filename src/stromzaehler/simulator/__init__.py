"""Simulated meter: household load, Ferraris mechanics and camera frames with ground truth."""

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
