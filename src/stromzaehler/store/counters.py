"""SQL for consumption: effective readings, counter events and the quarter-hour pre-aggregate.

Effective readings are the stored readings with corrections applied (a correction either
replaces a reading's value or voids it). Every change to readings, corrections or replacements
widens the dirty span of its UTC day (triggers of migration 7); analytics.aggregate recomputes the
quarter-hour energies of that range and clears it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .db import Store
from .revolutions import RevolutionStore

DAY_S = 86400
QUARTER_S = 900
QUARTERS_PER_DAY = DAY_S // QUARTER_S
# Stored quality byte: 0 measured, 1 estimated, 2 missing in the low bits; above them where
# the disc's revolutions shaped the quarter: all of it (DISC_BIT) or a part (DISC_PART_BIT).
# Rows from before the disc never have them: counter only.
QUALITY_MASK = 3
DISC_BIT = 4
DISC_PART_BIT = 8

_EFFECTIVE = (
    "SELECT r.t_utc, COALESCE(c.counter_wh, r.counter_wh) FROM readings r"
    " LEFT JOIN reading_corrections c ON c.t_utc = r.t_utc"
    " WHERE (c.t_utc IS NULL OR c.counter_wh IS NOT NULL)"
)


@dataclass(frozen=True)
class Replacement:
    t_utc: int
    old_end_wh: int
    new_start_wh: int
    note: str | None = None


@dataclass(frozen=True)
class Correction:
    t_utc: int
    counter_wh: int | None  # None: the reading is void
    note: str | None = None


def _arrays(rows: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    array = np.array(rows, dtype=np.int64)
    return array[:, 0].copy(), array[:, 1].copy()


class CounterStore:
    """Consumption's view of the store; takes the Store, keeps no state of its own."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def _db(self) -> sqlite3.Connection:
        return self.store.connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.store.transaction() as connection:
            yield connection

    # effective readings

    def readings_with_neighbours(
        self, from_utc: int, to_utc: int, neighbours: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Effective readings with from_utc <= t <= to_utc plus `neighbours` on each side,
        as (t_utc, counter_wh) int64 arrays in time order."""
        before = self._rows(
            f"{_EFFECTIVE} AND r.t_utc < ? ORDER BY r.t_utc DESC, r.id DESC LIMIT ?",
            (from_utc, neighbours),
        )[::-1]
        inside = self._rows(
            f"{_EFFECTIVE} AND r.t_utc >= ? AND r.t_utc <= ? ORDER BY r.t_utc, r.id",
            (from_utc, to_utc),
        )
        after = self._rows(
            f"{_EFFECTIVE} AND r.t_utc > ? ORDER BY r.t_utc, r.id LIMIT ?", (to_utc, neighbours)
        )
        return _arrays(before + inside + after)

    def readings_before(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The last `count` effective readings with t < t_utc, in time order."""
        return _arrays(self._rows(
            f"{_EFFECTIVE} AND r.t_utc < ? ORDER BY r.t_utc DESC, r.id DESC LIMIT ?",
            (t_utc, count),
        )[::-1])

    def readings_after(self, t_utc: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `count` effective readings with t > t_utc, in time order."""
        return _arrays(self._rows(
            f"{_EFFECTIVE} AND r.t_utc > ? ORDER BY r.t_utc, r.id LIMIT ?", (t_utc, count)
        ))

    def _rows(self, sql: str, parameters: tuple) -> list[tuple[int, int]]:
        return self._db.execute(sql, parameters).fetchall()

    def reading_at(self, t_utc: int) -> tuple[int, str] | None:
        """(stored counter_wh, source) of a reading at exactly t_utc, without corrections."""
        row = self._db.execute(
            "SELECT counter_wh, source FROM readings WHERE t_utc = ? ORDER BY id DESC LIMIT 1",
            (t_utc,),
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def time_range(self) -> tuple[int, int] | None:
        row = self._db.execute("SELECT min(t_utc), max(t_utc) FROM readings").fetchone()
        return None if row[0] is None else (int(row[0]), int(row[1]))

    # disc revolutions (store.revolutions), for consumption's shape within counter steps

    def has_revolutions(self, from_utc: int, to_utc: int) -> bool:
        """Any revolution with from_utc <= t < to_utc (one index probe)."""
        row = self._db.execute(
            "SELECT 1 FROM disc_revolutions WHERE t_ms >= ? AND t_ms < ? LIMIT 1",
            (from_utc * 1000, to_utc * 1000),
        ).fetchone()
        return row is not None

    def revolutions(self, from_utc: int, to_utc: int) -> tuple[np.ndarray, np.ndarray]:
        """(t_utc float64, continuous bool) of the revolutions with from_utc <= t < to_utc."""
        return RevolutionStore(self.store).arrays(from_utc, to_utc)

    def revolutions_around(self, from_utc: int, to_utc: int) -> tuple[np.ndarray, np.ndarray]:
        """As revolutions, for from_utc <= t <= to_utc plus one before and one after."""
        return RevolutionStore(self.store).arrays_around(from_utc, to_utc)

    # counter events

    def replacements(self, from_utc: int | None = None, to_utc: int | None = None) -> list[
        Replacement
    ]:
        rows = self._db.execute(
            "SELECT t_utc, old_end_wh, new_start_wh, note FROM meter_replacements"
            " WHERE (?1 IS NULL OR t_utc >= ?1) AND (?2 IS NULL OR t_utc <= ?2) ORDER BY t_utc",
            (from_utc, to_utc),
        )
        return [Replacement(*row) for row in rows]

    def add_replacement(
        self, t_utc: int, old_end_wh: int, new_start_wh: int, created_utc: int, note: str | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meter_replacements (t_utc, old_end_wh, new_start_wh, created_utc,"
                " note) VALUES (?, ?, ?, ?, ?)",
                (t_utc, old_end_wh, new_start_wh, created_utc, note),
            )

    def corrections(self) -> list[Correction]:
        rows = self._db.execute(
            "SELECT t_utc, counter_wh, note FROM reading_corrections ORDER BY t_utc"
        )
        return [Correction(*row) for row in rows]

    def set_correction(
        self, t_utc: int, counter_wh: int | None, created_utc: int, note: str | None
    ) -> None:
        """Replace (or with None: void) the reading at t_utc; a later correction wins."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO reading_corrections (t_utc, counter_wh, created_utc, note)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (t_utc) DO UPDATE SET"
                " counter_wh = excluded.counter_wh, created_utc = excluded.created_utc,"
                " note = excluded.note",
                (t_utc, counter_wh, created_utc, note),
            )

    # quarter-hour pre-aggregate: one row per UTC day, 96 quarters packed little-endian

    def model_key(self) -> str | None:
        """Parameters the stored quarters were computed with (see analytics.aggregate)."""
        row = self._db.execute(
            "SELECT value FROM state WHERE key = 'consumption.model'"
        ).fetchone()
        return row[0] if row else None

    def set_model_key(self, key: str) -> None:
        """Inside a transaction."""
        self._db.execute(
            "INSERT INTO state (key, value) VALUES ('consumption.model', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key,),
        )

    def dirty_spans(self) -> list[tuple[int, int]]:
        """The changed [lo, hi] spans (at most one per UTC day touched, migration 7), by lo."""
        rows = self._db.execute(
            "SELECT lo_utc, hi_utc FROM consumption_dirty ORDER BY lo_utc"
        ).fetchall()
        return [(int(lo), int(hi)) for lo, hi in rows]

    def dirty_range(self) -> tuple[int, int] | None:
        """From the earliest change to the latest; None when the pre-aggregate is current."""
        row = self._db.execute("SELECT min(lo_utc), max(hi_utc) FROM consumption_dirty").fetchone()
        return None if row[0] is None else (int(row[0]), int(row[1]))

    def set_dirty_range(self, span: tuple[int, int] | None) -> None:
        """Inside a transaction: all that remains to be recomputed (None: nothing)."""
        self._db.execute("DELETE FROM consumption_dirty")
        if span is not None:
            self._db.execute(
                "INSERT INTO consumption_dirty (id, lo_utc, hi_utc) VALUES (?, ?, ?)",
                (span[0] // DAY_S, *span),
            )

    def clear_dirty(self, lo_utc: int, hi_utc: int) -> None:
        """Inside a transaction: the changes in [lo_utc, hi_utc] are recomputed. A span that
        reaches past hi_utc keeps its rest."""
        self._db.execute(
            "DELETE FROM consumption_dirty WHERE lo_utc >= ? AND hi_utc <= ?", (lo_utc, hi_utc)
        )
        self._db.execute(
            "UPDATE consumption_dirty SET lo_utc = ? WHERE lo_utc >= ? AND lo_utc <= ?"
            " AND hi_utc > ?",
            (hi_utc + 1, lo_utc, hi_utc, hi_utc),
        )

    def replace_quarters(
        self,
        lo_utc: int,
        hi_utc: int,
        quarter_utc: Sequence[int],
        energy_wh: Sequence[int],
        estimated: Sequence[int],
    ) -> None:
        """Inside a transaction: quarters with lo_utc <= q < hi_utc become exactly these
        (quarters not given are missing)."""
        new_q = np.asarray(quarter_utc, dtype=np.int64)
        order = np.argsort(new_q, kind="stable")  # sorted: each day's quarters by bisection
        new_q = new_q[order]
        new_wh = np.asarray(energy_wh, dtype=np.int64)[order]
        new_quality = np.asarray(estimated, dtype=np.int8)[order]
        stored = self._db.execute(
            "SELECT day_utc, energy_wh, quality FROM consumption_days"
            " WHERE day_utc > ? AND day_utc < ?",
            (lo_utc - DAY_S, hi_utc),
        ).fetchall()
        days: dict[int, tuple[np.ndarray, np.ndarray]] = {
            int(day): (
                np.frombuffer(wh, dtype="<i4").astype(np.int64),
                np.frombuffer(quality, dtype=np.int8).copy(),
            )
            for day, wh, quality in stored
        }
        for day in np.unique(new_q // DAY_S * DAY_S).tolist():
            days.setdefault(
                day, (np.zeros(QUARTERS_PER_DAY, np.int64), np.full(QUARTERS_PER_DAY, 2, np.int8))
            )
        for day, (wh, quality) in days.items():
            slots = day + QUARTER_S * np.arange(QUARTERS_PER_DAY)
            cleared = (slots >= lo_utc) & (slots < hi_utc)
            wh[cleared] = 0
            quality[cleared] = 2
            # A slice per day keeps this linear in the span (a mask per day was quadratic:
            # minutes for the decades of quarters after a reading typed as 1970).
            mine = slice(np.searchsorted(new_q, day), np.searchsorted(new_q, day + DAY_S))
            index = (new_q[mine] - day) // QUARTER_S
            wh[index] = new_wh[mine]
            quality[index] = new_quality[mine]
            if ((quality & QUALITY_MASK) == 2).all():
                self._db.execute("DELETE FROM consumption_days WHERE day_utc = ?", (day,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO consumption_days (day_utc, energy_wh, quality)"
                    " VALUES (?, ?, ?)",
                    (day, wh.astype("<i4").tobytes(), quality.tobytes()),
                )

    def quarters(self, from_utc: int, to_utc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stored quarters with from_utc <= q < to_utc: (q_utc, energy_wh, estimated 0/1)."""
        q_utc, wh, quality = self._stored_quarters(from_utc, to_utc)
        return q_utc, wh, quality & QUALITY_MASK

    def quarters_with_disc(
        self, from_utc: int, to_utc: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """As quarters, plus per quarter where its shape came from: 0 the counter, 1 the disc
        all of it, 2 the disc a part (analytics.disc_power.SOURCE_*)."""
        q_utc, wh, quality = self._stored_quarters(from_utc, to_utc)
        shaped = np.where(quality & DISC_BIT, 1, np.where(quality & DISC_PART_BIT, 2, 0))
        return q_utc, wh, quality & QUALITY_MASK, shaped

    def _stored_quarters(
        self, from_utc: int, to_utc: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self._db.execute(
            "SELECT day_utc, energy_wh, quality FROM consumption_days"
            " WHERE day_utc > ? AND day_utc < ? ORDER BY day_utc",
            (from_utc - DAY_S, to_utc),
        ).fetchall()
        if not rows:
            empty = np.empty(0, np.int64)
            return empty, empty.copy(), empty.copy()
        day = np.array([row[0] for row in rows], dtype=np.int64)
        q_utc = (day[:, None] + QUARTER_S * np.arange(QUARTERS_PER_DAY)).ravel()
        wh = np.frombuffer(b"".join(row[1] for row in rows), dtype="<i4").astype(np.int64)
        quality = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.int8)
        keep = ((quality & QUALITY_MASK) != 2) & (q_utc >= from_utc) & (q_utc < to_utc)
        return q_utc[keep], wh[keep], quality[keep].astype(np.int64)
