"""Which automatic backups to keep: the newest of each of the last 7 days, 4 ISO weeks and 12
months (a grandfather-father-son rotation). Pure date arithmetic, no files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12


def backups_to_keep(days: Iterable[date]) -> set[date]:
    ordered = sorted(set(days), reverse=True)  # newest first
    keep: set[date] = set(ordered[:KEEP_DAILY])
    for key, count in (
        (lambda d: d.isocalendar()[:2], KEEP_WEEKLY),
        (lambda d: (d.year, d.month), KEEP_MONTHLY),
    ):
        seen: list[object] = []
        for day in ordered:
            period = key(day)
            if period not in seen:
                seen.append(period)
                if len(seen) > count:
                    break
                keep.add(day)  # the newest backup of this week or month
    return keep
