"""What every frame source gives the capture loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class SourceError(RuntimeError):
    """The source could not deliver a frame (camera gone, file unreadable); worth retrying."""


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR uint8, height x width x 3
    captured_at_utc: float  # seconds since the epoch; simulated time for the simulated meter
    source: str


class FrameSource(Protocol):
    name: str
    # Simulated sources run faster than the wall clock; real cameras have speed 1.
    speed: float

    def capture(self) -> Frame: ...

    def close(self) -> None: ...


def wall_clock() -> float:
    return time.time()
