"""Counter events entered by the user: a manual reading, a meter replacement, a correction.

Checks the values and hands them to the store; the pre-aggregate follows by itself (the
store's triggers mark the changed range, the next query recomputes it).
"""

from __future__ import annotations

from typing import Protocol

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


def add_manual_reading(
    writer: ReadingWriter, t_utc: int, counter_wh: int, now_utc: int, modulus_wh: int
) -> int:
    """Store a reading typed in by the user (source 'manual'); returns its id."""
    _check_time(t_utc, now_utc)
    _check_counter("counter", counter_wh, modulus_wh)
    return writer.add_reading(t_utc, counter_wh, 1.0, MANUAL_SOURCE)


def replace_meter(
    store: EventStore,
    t_utc: int,
    old_end_wh: int,
    new_start_wh: int,
    now_utc: int,
    modulus_wh: int,
    note: str | None = None,
) -> None:
    """From t_utc on readings come from a new meter; consumption continues across the swap."""
    _check_time(t_utc, now_utc)
    _check_counter("old meter's last value", old_end_wh, modulus_wh)
    _check_counter("new meter's first value", new_start_wh, modulus_wh)
    if store.replacements(t_utc, t_utc):
        raise EventError("there is already a meter replacement at that time")
    store.add_replacement(t_utc, old_end_wh, new_start_wh, now_utc, note)


def correct_reading(
    store: EventStore,
    t_utc: int,
    counter_wh: int | None,
    now_utc: int,
    modulus_wh: int,
    note: str | None = None,
) -> int:
    """Give the stored reading at exactly t_utc a new value, or with None mark it void.
    The original stays in the readings table; returns the value it had."""
    stored = store.reading_at(t_utc)
    if stored is None:
        raise EventError("there is no reading at that time (give its exact time)")
    if counter_wh is not None:
        _check_counter("counter", counter_wh, modulus_wh)
    store.set_correction(t_utc, counter_wh, now_utc, note)
    return stored[0]
