"""The simulated meter as a live source, in real time or accelerated (`speed`)."""

from __future__ import annotations

from .base import Frame, wall_clock

DEFAULT_START_WH = 99_516_000  # the reading of the reference frame, 099516.0 kWh


class SimulatedSource:
    """Simulated time runs `speed` times faster than the wall clock from `start_utc` on."""

    name = "simulated"

    def __init__(
        self,
        speed: float = 1.0,
        start_utc: float | None = None,
        start_wh: int = DEFAULT_START_WH,
        seed: int = 0,
    ) -> None:
        from ..simulator import SimulatedMeter  # the renderer is only loaded when simulating

        self.speed = speed
        self._wall_start = wall_clock()
        self._sim_start = self._wall_start if start_utc is None else start_utc
        self.meter = SimulatedMeter(seed=seed, start_utc=self._sim_start, start_wh=start_wh)

    def now_utc(self) -> float:
        return self._sim_start + (wall_clock() - self._wall_start) * self.speed

    def capture(self) -> Frame:
        t_utc = self.now_utc()
        image, _truth = self.meter.frame_at(t_utc)
        return Frame(image=image, captured_at_utc=t_utc, source=self.name)

    def close(self) -> None:
        pass
