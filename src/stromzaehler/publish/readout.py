"""The current state as the publishers see it, read from the store (and the disc loop's power).

Nothing here is fed by the capture loop: a publisher that reads the store can only publish
what was committed, so it never runs ahead of the store, never sees a rejected frame's value,
and a slow broker cannot hold up a capture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..analytics.disc_power import PowerNow, power_now
from ..analytics.series import counter_modulus_wh
from ..config import Settings
from ..status import FrameStatus
from ..store import Store
from ..store.frame_tally import FrameTally
from ..store.revolutions import RevolutionStore
from .energy_total import EnergyTotal, TotalState

# Power needs the last two revolutions; a few more cover a tracking gap just before.
RECENT_REVOLUTIONS = 8
ACCEPTED = FrameStatus.ACCEPTED
REJECTED = (FrameStatus.REJECTED, FrameStatus.UNREAD, FrameStatus.FAILED)


class PowerSource(Protocol):
    """The disc loop (capture): power from its latest revolutions."""

    def power(self, now_utc: float | None = None) -> PowerNow: ...


@dataclass(frozen=True)
class Readout:
    total: TotalState | None
    last_reading_utc: int | None
    power_w: float | None
    frames: dict[tuple[str, str], int]  # (status, reason) -> count
    last_status: str | None
    last_reason: str | None

    @property
    def frames_accepted(self) -> int:
        return sum(n for (status, _), n in self.frames.items() if status == ACCEPTED)

    @property
    def frames_rejected(self) -> int:
        return sum(n for (status, _), n in self.frames.items() if status in REJECTED)


def _modulus_wh(settings: Settings) -> int:
    """Where the meter's rollers roll over, in Wh."""
    return counter_modulus_wh(len(settings.meter.digit_boxes), settings.meter.decimals)


class StoreReader:
    """Builds Readouts; one per service, shared by MQTT and /metrics (thread-safe)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        power_source: PowerSource | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.total = EnergyTotal(store, _modulus_wh(settings))
        self.tally = FrameTally(store)
        self.power_source = power_source
        self.clock = clock
        self.reconfigure(settings)

    def reconfigure(self, settings: Settings) -> None:
        """A settings change: the disc's plate value and the counter's size (where the rollers
        roll over) come from the meter settings the owner may have just saved."""
        self.revolutions_per_kwh = settings.meter.revolutions_per_kwh
        self.total.modulus_wh = _modulus_wh(settings)

    def read(self) -> Readout:
        total = self.total.current()
        frames = self.tally.update()
        last = self.store.last_reading()
        return Readout(
            total=total,
            last_reading_utc=None if last is None else last.t_utc,
            power_w=self.power_w(),
            frames=frames,
            last_status=self.tally.last_status,
            last_reason=self.tally.last_reason,
        )

    def power_w(self) -> float | None:
        """Power now from the disc (the loop's figure; without a loop, the stored passes)."""
        if self.power_source is not None:
            return self.power_source.power().power_w
        latest = RevolutionStore(self.store).latest(RECENT_REVOLUTIONS)
        return power_now(
            [r.t_utc for r in latest],
            [r.continuous for r in latest],
            self.clock(),
            self.revolutions_per_kwh,
        ).power_w
