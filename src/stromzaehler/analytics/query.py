"""What every consumption query needs from the settings, for the command line and HTTP alike:
the time zone, the counter model, the default span per resolution and the from/to parsing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..config import Settings
from ..typed_reading import CounterLimits
from .periods import parse_instant
from .series import CounterModel

# Default range ending now, per resolution: what a chart of that resolution usually shows.
DEFAULT_SPAN_S = {
    "minute": 2 * 3600,
    "15min": 86400,
    "hour": 2 * 86400,
    "day": 31 * 86400,
    "month": 366 * 86400,
    "year": 5 * 366 * 86400,
}
PROFILE_DEFAULT_SPAN_S = 28 * 86400


class QueryError(ValueError):
    """A from/to the user gave that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class QueryContext:
    zone: ZoneInfo
    model: CounterModel
    max_power_w: float  # the gate's, for typed readings

    @classmethod
    def for_settings(cls, settings: Settings) -> QueryContext:
        meter = settings.meter
        return cls(
            zone=ZoneInfo(settings.analytics.timezone),
            model=CounterModel.for_meter(
                len(meter.digit_boxes), meter.decimals, int(settings.analytics.gap_limit_s)
            ),
            max_power_w=settings.gate.max_power_w,
        )

    @property
    def modulus_wh(self) -> int:
        return self.model.modulus_wh

    @property
    def limits(self) -> CounterLimits:
        """What a typed reading is checked against (typed_reading.check_typed_reading)."""
        return CounterLimits(self.model.modulus_wh, self.model.resolution_wh, self.max_power_w)

    def instant(self, text: str, name: str = "time") -> int:
        """ISO 8601 (local time without offset) or epoch seconds -> UTC; QueryError naming it."""
        try:
            return parse_instant(text, self.zone)
        except ValueError as error:
            raise QueryError(f"{name}={error}") from None

    def range(
        self,
        from_text: str | None,
        to_text: str | None,
        span_s: int,
        names: tuple[str, str] = ("from", "to"),
        now_utc: int | None = None,
    ) -> tuple[int, int]:
        """[from, to) in UTC: `to` defaults to now, `from` to `span_s` before `to`."""
        default_to = int(time.time()) if now_utc is None else now_utc
        to_utc = self.instant(to_text, names[1]) if to_text else default_to
        from_utc = self.instant(from_text, names[0]) if from_text else to_utc - span_s
        if from_utc >= to_utc:
            raise QueryError(f"{names[0]} must be before {names[1]}")
        return from_utc, to_utc
