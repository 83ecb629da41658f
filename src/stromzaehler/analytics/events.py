"""Counter events entered by the user: a manual reading, a meter replacement, a correction.

Checks the values and hands them to the store; the pre-aggregate follows by itself (the
store's triggers mark the changed range, the next query recomputes it).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

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


def _check_typed(
    t_utc: int,
    counter_wh: int,
    neighbours: tuple[Neighbour | None, Neighbour | None],
    limits: CounterLimits,
    name: str | None = None,
) -> None:
    """The one typed-reading rule (typed_reading.check_typed_reading) as an EventError; with
    `name`, the message says which value it is about and that it can be forced."""
    try:
        check_typed_reading(t_utc, counter_wh, *neighbours, limits)
    except TypedReadingError as error:
        message = str(error) if name is None else f"{name}: {error} (force to store anyway)"
        raise EventError(message) from None


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
        _check_typed(t_utc, counter_wh, typed_neighbours(store, t_utc), limits)
    _check_counter("counter", counter_wh, limits.modulus_wh)
    return writer.add_reading(t_utc, counter_wh, 1.0, MANUAL_SOURCE)


def replace_meter(
    store: EventStore,
    t_utc: int,
    old_end_wh: int,
    new_start_wh: int,
    now_utc: int,
    limits: CounterLimits,
    note: str | None = None,
    force: bool = False,
) -> None:
    """From t_utc on readings come from a new meter; consumption continues across the swap.
    Unless forced, both values go through the one typed-reading rule on the side where they
    belong: the old meter's last value after the readings before t_utc, the new meter's first
    value before the readings from t_utc on. The new value is a new meter's, so it is never
    compared with the old meter's readings."""
    _check_time(t_utc, now_utc)
    _check_counter("old meter's last value", old_end_wh, limits.modulus_wh)
    _check_counter("new meter's first value", new_start_wh, limits.modulus_wh)
    if store.replacements(t_utc, t_utc):
        raise EventError("there is already a meter replacement at that time")
    if not force:
        before, _ = typed_neighbours(store, t_utc)
        _check_typed(t_utc, old_end_wh, (before, None), limits, "old meter's last value")
        _, after = typed_neighbours(store, t_utc - 1)  # readings at t_utc are the new meter's
        _check_typed(t_utc, new_start_wh, (None, after), limits, "new meter's first value")
    store.add_replacement(t_utc, old_end_wh, new_start_wh, now_utc, note)


def correct_reading(
    store: EventStore,
    t_utc: int,
    counter_wh: int | None,
    now_utc: int,
    limits: CounterLimits,
    note: str | None = None,
    force: bool = False,
) -> int:
    """Give the stored reading at exactly t_utc a new value, or with None mark it void.
    The original stays in the readings table; returns the value it had. Unless forced, the new
    value must fit the readings around it by the one typed-reading rule."""
    stored = store.reading_at(t_utc)
    if stored is None:
        raise EventError("there is no reading at that time (give its exact time)")
    if counter_wh is not None:
        _check_counter("counter", counter_wh, limits.modulus_wh)
        if not force:
            _check_typed(t_utc, counter_wh, typed_neighbours(store, t_utc), limits,
                         "corrected value")
    store.set_correction(t_utc, counter_wh, now_utc, note)
    return stored[0]
