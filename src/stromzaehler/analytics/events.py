"""Counter events entered by the user: a manual reading, a meter replacement, a correction.

Checks the values and hands them to the store; the pre-aggregate follows by itself (the
store's triggers mark the changed range, the next query recomputes it).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..clock import iso_utc
from ..typed_reading import CounterLimits, Neighbour, TypedReadingError, check_typed_reading

MANUAL_SOURCE = "manual"


class EventError(ValueError):
    """An event that cannot be recorded; the message is one line for the user."""


class EventStore(Protocol):
    def reading_at(self, t_utc: int) -> tuple[int, str] | None: ...
    def add_replacement(
        self, t_utc: int, old_end_wh: int, new_start_wh: int, created_utc: int, note: str | None
    ) -> None: ...
    def set_correction(
        self, t_utc: int, counter_wh: int | None, created_utc: int, note: str | None
    ) -> None: ...
    def replacements(self, from_utc: int | None = None, to_utc: int | None = None) -> list: ...
    def readings_before(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...
    def readings_after(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]: ...


class ReadingWriter(Protocol):
    def add_reading(self, t_utc: int, counter_wh: int, confidence: float, source: str) -> int: ...


def _check_counter(name: str, counter_wh: int, modulus_wh: int) -> None:
    if not 0 <= counter_wh < modulus_wh:
        raise EventError(
            f"{name} = {counter_wh} Wh is outside what the meter can show (0 to {modulus_wh - 1})"
        )


def _check_time(t_utc: int, now_utc: int) -> None:
    if t_utc > now_utc + 60:
        raise EventError("the time lies in the future")


def _check_order(
    store: EventStore,
    t_utc: int,
    value_wh: int,
    modulus_wh: int,
    check_before: bool = True,
    check_after: bool = True,
) -> None:
    """A counter never runs backwards: the value must lie between the effective readings
    around t_utc (a drop of more than half the modulus is a rollover and allowed)."""
    if check_before:
        times, values = store.readings_before(t_utc, 1)
        swapped = times.size and store.replacements(int(times[0]) + 1, t_utc)
        if times.size and not swapped and 0 < values[0] - value_wh < modulus_wh // 2:
            raise EventError(
                f"{value_wh} Wh is below the reading before it ({int(values[0])} Wh at "
                f"{iso_utc(int(times[0]))}); a counter never runs backwards (force to store anyway)"
            )
    if check_after:
        times, values = store.readings_after(t_utc, 1)
        swapped = times.size and store.replacements(t_utc + 1, int(times[0]))
        if times.size and not swapped and 0 < value_wh - values[0] < modulus_wh // 2:
            raise EventError(
                f"{value_wh} Wh is above the reading after it ({int(values[0])} Wh at "
                f"{iso_utc(int(times[0]))}); a counter never runs backwards (force to store anyway)"
            )


def typed_neighbours(
    store: EventStore, t_utc: int
) -> tuple[Neighbour | None, Neighbour | None]:
    """The effective readings around t_utc, or a meter replacement between them and t_utc
    (the new meter's first value before, the old meter's last value after)."""
    before: Neighbour | None = None
    times, values = store.readings_before(t_utc, 1)
    if times.size:
        before = Neighbour(int(times[0]), int(values[0]), "the reading before it")
    swaps = store.replacements(before.t_utc + 1 if before else None, t_utc)
    if swaps:
        before = Neighbour(swaps[-1].t_utc, swaps[-1].new_start_wh, "the new meter's first value")
    after: Neighbour | None = None
    times, values = store.readings_after(t_utc, 1)
    if times.size:
        after = Neighbour(int(times[0]), int(values[0]), "the reading after it")
    swaps = store.replacements(t_utc + 1, after.t_utc if after else None)
    if swaps:
        after = Neighbour(swaps[0].t_utc, swaps[0].old_end_wh, "the old meter's last value")
    return before, after


def add_manual_reading(
    store: EventStore,
    writer: ReadingWriter,
    t_utc: int,
    counter_wh: int,
    now_utc: int,
    limits: CounterLimits,
    force: bool = False,
) -> int:
    """Store a reading typed in by the user (source 'manual'); returns its id. Unless forced it
    must fit the readings on both sides (typed_reading.check_typed_reading)."""
    _check_time(t_utc, now_utc)
    if not force:
        try:
            check_typed_reading(t_utc, counter_wh, *typed_neighbours(store, t_utc), limits)
        except TypedReadingError as error:
            raise EventError(str(error)) from None
    _check_counter("counter", counter_wh, limits.modulus_wh)
    return writer.add_reading(t_utc, counter_wh, 1.0, MANUAL_SOURCE)


def replace_meter(
    store: EventStore,
    t_utc: int,
    old_end_wh: int,
    new_start_wh: int,
    now_utc: int,
    modulus_wh: int,
    note: str | None = None,
    force: bool = False,
) -> None:
    """From t_utc on readings come from a new meter; consumption continues across the swap.
    Unless forced, the old meter's last value must not be below its readings before t_utc and
    the new meter's first value not above its readings after."""
    _check_time(t_utc, now_utc)
    _check_counter("old meter's last value", old_end_wh, modulus_wh)
    _check_counter("new meter's first value", new_start_wh, modulus_wh)
    if store.replacements(t_utc, t_utc):
        raise EventError("there is already a meter replacement at that time")
    if not force:
        _check_order(store, t_utc, old_end_wh, modulus_wh, check_after=False)
        _check_order(store, t_utc - 1, new_start_wh, modulus_wh, check_before=False)
    store.add_replacement(t_utc, old_end_wh, new_start_wh, now_utc, note)


def correct_reading(
    store: EventStore,
    t_utc: int,
    counter_wh: int | None,
    now_utc: int,
    modulus_wh: int,
    note: str | None = None,
    force: bool = False,
) -> int:
    """Give the stored reading at exactly t_utc a new value, or with None mark it void.
    The original stays in the readings table; returns the value it had. Unless forced, the new
    value must lie between the readings around it."""
    stored = store.reading_at(t_utc)
    if stored is None:
        raise EventError("there is no reading at that time (give its exact time)")
    if counter_wh is not None:
        _check_counter("counter", counter_wh, modulus_wh)
        if not force:
            _check_order(store, t_utc, counter_wh, modulus_wh)
    store.set_correction(t_utc, counter_wh, now_utc, note)
    return stored[0]
