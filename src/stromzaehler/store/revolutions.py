"""SQL for the disc: revolution times (migration 5).

Times are integer UTC milliseconds: at 20 kW a revolution takes 2.4 s, so whole seconds would
make the power from one interval up to 40 % wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .db import Store


@dataclass(frozen=True)
class StoredRevolution:
    t_utc: float  # seconds, millisecond precision
    continuous: bool  # tracked without a gap since the previous revolution
    method: str  # crossing | extrapolated | inferred


class RevolutionStore:
    """The disc's view of the store; takes the Store, keeps no state of its own."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, revolutions: Iterable[tuple[float, bool, str]]) -> int:
        """Store (t_utc, continuous, method) rows in one transaction; a repeated time is kept
        once (the loop may hand the same revolution again after a restart)."""
        rows = [(round(t * 1000.0), int(bool(c)), m) for t, c, m in revolutions]
        if not rows:
            return 0
        with self.store.transaction() as connection:
            cursor = connection.executemany(
                "INSERT OR IGNORE INTO disc_revolutions (t_ms, continuous, method)"
                " VALUES (?, ?, ?)",
                rows,
            )
        return cursor.rowcount

    def between(self, from_utc: float, to_utc: float) -> list[StoredRevolution]:
        """Revolutions with from_utc <= t < to_utc, oldest first."""
        rows = self.store.connection.execute(
            "SELECT t_ms, continuous, method FROM disc_revolutions"
            " WHERE t_ms >= ? AND t_ms < ? ORDER BY t_ms",
            (round(from_utc * 1000.0), round(to_utc * 1000.0)),
        )
        return [StoredRevolution(t / 1000.0, bool(c), m) for t, c, m in rows]

    def arrays(self, from_utc: float, to_utc: float) -> tuple[np.ndarray, np.ndarray]:
        """(t_utc float64, continuous bool) for analytics, oldest first."""
        rows = self.store.connection.execute(
            "SELECT t_ms, continuous FROM disc_revolutions"
            " WHERE t_ms >= ? AND t_ms < ? ORDER BY t_ms",
            (round(from_utc * 1000.0), round(to_utc * 1000.0)),
        ).fetchall()
        if not rows:
            return np.empty(0, np.float64), np.empty(0, bool)
        array = np.array(rows, dtype=np.int64)
        return array[:, 0] / 1000.0, array[:, 1].astype(bool)

    def arrays_around(self, from_utc: float, to_utc: float) -> tuple[np.ndarray, np.ndarray]:
        """As arrays, for from_utc <= t <= to_utc plus the last revolution before and the first
        after (an interval between revolutions reaching into the range)."""
        lo, hi = round(from_utc * 1000.0), round(to_utc * 1000.0)
        rows = self.store.connection.execute(
            "SELECT * FROM (SELECT t_ms, continuous FROM disc_revolutions WHERE t_ms < ?"
            " ORDER BY t_ms DESC LIMIT 1)"
            " UNION ALL SELECT t_ms, continuous FROM disc_revolutions"
            " WHERE t_ms >= ? AND t_ms <= ?"
            " UNION ALL SELECT * FROM (SELECT t_ms, continuous FROM disc_revolutions"
            " WHERE t_ms > ? ORDER BY t_ms LIMIT 1)",
            (lo, lo, hi, hi),
        ).fetchall()
        if not rows:
            return np.empty(0, np.float64), np.empty(0, bool)
        array = np.array(sorted(rows), dtype=np.int64)
        return array[:, 0] / 1000.0, array[:, 1].astype(bool)

    def latest(self, count: int) -> list[StoredRevolution]:
        """The newest `count` revolutions, oldest first."""
        rows = self.store.connection.execute(
            "SELECT t_ms, continuous, method FROM disc_revolutions ORDER BY t_ms DESC LIMIT ?",
            (count,),
        ).fetchall()
        return [StoredRevolution(t / 1000.0, bool(c), m) for t, c, m in reversed(rows)]

    def count(self) -> int:
        return self.store.connection.execute("SELECT COUNT(*) FROM disc_revolutions").fetchone()[0]
