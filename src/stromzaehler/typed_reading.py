"""The one rule for a reading the owner types in (Review, POST /api/counter/manual,
`stromzaehler counter manual`): it must fit the stored readings on both sides.

Beside the gate and as strict as it is about power: between a neighbour and the typed value
the counter may only have moved forwards (across a rollover past all nines too), and by no more
than `max_power_w` could use in the time between them, plus one step of the last roller (a
reading knows the counter only to a step). A meter replacement between the typed reading and a
neighbour makes the replacement the neighbour: the new meter's first value before it, the old
meter's last value after it. Pure: the caller fetches the neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clock import iso_utc
from .geometry import modulus_wh, wh_per_step


class TypedReadingError(ValueError):
    """A typed reading that does not fit its neighbours; one line naming the neighbour."""


@dataclass(frozen=True)
class Neighbour:
    t_utc: int
    counter_wh: int
    what: str  # how the message names it, e.g. "the reading before it"


@dataclass(frozen=True)
class CounterLimits:
    modulus_wh: int  # the counter after all nines
    step_wh: int  # one step of the last roller
    max_power_w: float  # the gate's highest plausible power

    @classmethod
    def for_meter(cls, rollers: int, decimals: int, max_power_w: float) -> CounterLimits:
        return cls(modulus_wh(rollers, decimals), wh_per_step(decimals), max_power_w)


def _kwh(counter_wh: int) -> str:
    return f"{counter_wh / 1000:.1f} kWh"


def _duration(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _check_step(
    earlier: tuple[int, int], later: tuple[int, int], limits: CounterLimits
) -> str | None:
    """None when the counter can go from `earlier` to `later` (t_utc, counter_wh); else what
    is wrong: "backwards" or "too fast"."""
    elapsed_s = max(later[0] - earlier[0], 0)
    forward_wh = (later[1] - earlier[1]) % limits.modulus_wh
    if forward_wh <= limits.max_power_w * elapsed_s / 3600 + limits.step_wh:
        return None
    backward_wh = (earlier[1] - later[1]) % limits.modulus_wh
    return "backwards" if backward_wh < limits.modulus_wh // 2 else "too fast"


def check_typed_reading(
    t_utc: int,
    counter_wh: int,
    before: Neighbour | None,
    after: Neighbour | None,
    limits: CounterLimits,
) -> None:
    """Raise TypedReadingError when `counter_wh` at `t_utc` cannot lie between the neighbours."""
    if not 0 <= counter_wh < limits.modulus_wh:
        raise TypedReadingError(
            f"{_kwh(counter_wh)} is outside what the meter can show: more than "
            f"{(limits.modulus_wh - limits.step_wh) / 1000:.3f} kWh or negative"
        )
    typed = _kwh(counter_wh)
    power = f"{limits.max_power_w:.0f} W"
    # (neighbour, earlier point, later point, words for: backwards, too fast, the power's sign)
    sides = []
    if before is not None:
        point = (before.t_utc, before.counter_wh)
        sides.append((before, point, (t_utc, counter_wh), ("less", "more", "plus")))
    if after is not None:
        point = (after.t_utc, after.counter_wh)
        sides.append((after, (t_utc, counter_wh), point, ("more", "less", "minus")))
    for neighbour, earlier, later, (backwards, too_fast, sign) in sides:
        problem = _check_step(earlier, later, limits)
        if problem is None:
            continue
        named = f"{neighbour.what} ({_kwh(neighbour.counter_wh)} at {iso_utc(neighbour.t_utc)})"
        if problem == "backwards":
            raise TypedReadingError(
                f"{typed} is {backwards} than {named}; a counter never runs backwards"
            )
        raise TypedReadingError(
            f"{typed} is {too_fast} than {named} {sign} what {power} use in "
            f"{_duration(later[0] - earlier[0])}"
        )
