"""SQL for the publishers: frames counted by status and reason, a step at a time.

A year of once-a-minute frames is half a million rows; counting them all for every MQTT update
or Prometheus scrape would read the whole table each time. FrameTally counts each frame once,
as the capture judged it (a later review that marks it corrected does not uncount it, which is
what a Prometheus counter needs: it never decreases).
"""

from __future__ import annotations

import threading

from .db import Store

# Reasons are short stable words ("decreasing", "too_fast"); a failed step's reason carries
# the exception text after a colon, which would make one label value per error message.
REASON_MAX = 40


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return reason.split(":", 1)[0].strip()[:REASON_MAX]


class FrameTally:
    """Counts of frames by (status, reason) and the newest frame's status and reason."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._last_id = 0
        self._counts: dict[tuple[str, str], int] = {}
        self.last_status: str | None = None
        self.last_reason: str | None = None

    def update(self) -> dict[tuple[str, str], int]:
        """The counts including every frame logged so far (a copy)."""
        with self._lock:
            # NOT INDEXED: by the status index SQLite would scan every frame for the GROUP BY;
            # the rowid range reads only the new ones.
            rows = self.store.connection.execute(
                "SELECT status, reason, COUNT(*), MAX(id) FROM frames NOT INDEXED WHERE id > ?"
                " GROUP BY status, reason",
                (self._last_id,),
            ).fetchall()
            if rows:
                for status, reason, count, _ in rows:
                    key = (str(status), reason_label(reason))
                    self._counts[key] = self._counts.get(key, 0) + int(count)
                self._last_id = max(int(row[3]) for row in rows)
                newest = self.store.connection.execute(
                    "SELECT status, reason FROM frames WHERE id = ?", (self._last_id,)
                ).fetchone()
                if newest is not None:
                    self.last_status, self.last_reason = newest[0], newest[1]
            return dict(self._counts)
