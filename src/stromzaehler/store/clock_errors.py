"""Readings stored with a time ahead of the clock: voided (kept, left out of consumption) and
their frames put back into Review, in one transaction."""

from __future__ import annotations

from ..status import Reason
from .db import Store

CLOCK_ERROR_NOTE = "clock error: stored with a time ahead of the clock"
CLOCK_ERROR_REASON = Reason.CLOCK_ERROR


def flag_readings_after(store: Store, after_utc: int, now_utc: int) -> int:
    """Void every reading with t_utc > after_utc and mark its frame rejected as a clock error;
    returns how many readings were flagged."""
    with store.transaction() as connection:
        times = [
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT t_utc FROM readings WHERE t_utc > ?", (after_utc,)
            )
        ]
        connection.executemany(
            "INSERT INTO reading_corrections (t_utc, counter_wh, created_utc, note)"
            " VALUES (?, NULL, ?, ?) ON CONFLICT (t_utc) DO UPDATE SET counter_wh = NULL,"
            " created_utc = excluded.created_utc, note = excluded.note",
            [(t, now_utc, CLOCK_ERROR_NOTE) for t in times],
        )
        connection.execute(
            "UPDATE frames SET status = 'rejected', reason = ? WHERE t_utc > ?"
            " AND status = 'accepted'",
            (CLOCK_ERROR_REASON, after_utc),
        )
    return len(times)
