"""Honest health: `ok`, `degraded` or `failing`, with the reasons.

The status is computed from a list of named checks, each a function that returns a Finding or
None. `standard_checks` builds the list the service always has; another part (a publisher, the
clock guard) adds its own with one more (name, check) entry. `failing` means readings are being
lost now; `degraded` means something needs attention while readings are still stored.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from .status import Reason

Level = Literal["degraded", "failing"]
STATUS_ORDER = ("ok", "degraded", "failing")
SOURCE_FAILING_AFTER = 3  # capture failures in a row before the source counts as failing
DISK_DEGRADED_BYTES = 200 * 1024**2  # the same margin `doctor` asks for
DISK_FAILING_BYTES = 20 * 1024**2
MISSED_INTERVALS = 5  # no accepted reading for this many intervals: degraded


@dataclass(frozen=True)
class Finding:
    level: Level
    reason: str


Check = Callable[[], "Finding | None"]
NamedCheck = tuple[str, Check]


class CaptureHealth(Protocol):
    """What the capture loop reports (capture.loop.Health)."""

    started_at_utc: float
    last_error: str | None
    last_reason: str | None
    consecutive_failures: int
    consecutive_store_failures: int


def evaluate(checks: Sequence[NamedCheck]) -> tuple[str, list[dict[str, str]]]:
    """(status, reasons): the worst level found; a check that itself fails counts as failing."""
    status = "ok"
    reasons: list[dict[str, str]] = []
    for name, check in checks:
        try:
            finding = check()
        except Exception as error:  # a broken check must not hide the others
            finding = Finding("failing", f"{name} check failed: {error}")
        if finding is None:
            continue
        reasons.append({"check": name, "level": finding.level, "reason": finding.reason})
        if STATUS_ORDER.index(finding.level) > STATUS_ORDER.index(status):
            status = finding.level
    return status, reasons


def source_check(health: CaptureHealth) -> Check:
    def check() -> Finding | None:
        failures = health.consecutive_failures
        if not failures:
            return None
        level: Level = "failing" if failures >= SOURCE_FAILING_AFTER else "degraded"
        return Finding(level, f"source failing ({failures} in a row): {health.last_error}")

    return check


def store_check(health: CaptureHealth) -> Check:
    def check() -> Finding | None:
        failures = health.consecutive_store_failures
        if not failures:
            return None
        return Finding("failing", f"store write errors ({failures} in a row): {health.last_error}")

    return check


def clock_check(health: CaptureHealth, require_sync: bool) -> Check:
    def check() -> Finding | None:
        if require_sync and health.last_reason == Reason.CLOCK_UNSYNCHRONISED:
            return Finding("failing", "clock not synchronised: readings are not stored until it is")
        if health.last_reason == Reason.CLOCK_AHEAD:
            return Finding("degraded", "the wall clock jumped ahead of the monotonic clock:"
                           " frames are rejected until it is back or keeps its new time")
        if health.last_reason == Reason.CLOCK_BACKWARDS:
            return Finding("degraded", "the clock is behind the last reading: frames are rejected")
        return None

    return check


def disk_check(data_dir: Path) -> Check:
    def check() -> Finding | None:
        free = shutil.disk_usage(data_dir).free
        if free < DISK_FAILING_BYTES:
            return Finding("failing", f"disk full: {free // 1024**2} MB free in {data_dir}")
        if free < DISK_DEGRADED_BYTES:
            return Finding("degraded", f"disk nearly full: {free // 1024**2} MB free")
        return None

    return check


def readings_check(
    health: CaptureHealth, last_reading_utc: Callable[[], int | None], interval_s: float
) -> Check:
    def check() -> Finding | None:
        now = time.time()
        limit = MISSED_INTERVALS * interval_s
        if now - health.started_at_utc < limit:
            return None  # too early to tell
        last = last_reading_utc()
        if last is not None and now - last < limit:
            return None
        since = "since the start" if last is None else f"for {int((now - last) // 60)} min"
        return Finding("degraded", f"no reading stored {since} (every {interval_s:g} s expected)")

    return check


def standard_checks(
    health: CaptureHealth | None,
    data_dir: Path,
    last_reading_utc: Callable[[], int | None],
    interval_s: float,
    require_clock_sync: bool,
) -> list[NamedCheck]:
    checks: list[NamedCheck] = [("disk", disk_check(data_dir))]
    if health is not None:
        checks = [
            ("source", source_check(health)),
            ("store", store_check(health)),
            ("clock", clock_check(health, require_clock_sync)),
            *checks,
            ("readings", readings_check(health, last_reading_utc, interval_s)),
        ]
    return checks


def status_only(report: dict[str, Any]) -> dict[str, Any]:
    """What a client without a session sees when reading is not open (auth.open_read=false)."""
    return {"status": report["status"]}


def publisher_check(state: Callable[[], dict[str, Any]]) -> Check:
    """A publisher (MQTT) that is switched on but not connected: degraded, readings go on."""

    def check() -> Finding | None:
        current = state()
        if current.get("state") in {"refused", "disconnected", "failed"}:
            error = current.get("last_error") or current["state"]
            return Finding("degraded", f"publisher disconnected: {error}")
        return None

    return check
