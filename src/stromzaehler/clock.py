"""The clock: is it trustworthy (a Pi has no real-time clock: after boot it starts at the last
shutdown time until NTP has synchronised it), and the one way a UTC instant is written out."""

from __future__ import annotations

import ctypes
import ctypes.util
from datetime import UTC, datetime
from pathlib import Path

TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised
ADJTIMEX_STRUCT_BYTES = 256  # struct timex is 208 bytes on 64-bit Linux; leave room


def clock_synchronised() -> bool | None:
    """True/False from systemd-timesyncd or the kernel's NTP state; None when unknown."""
    if TIMESYNCD_FLAG.exists():
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        buffer = ctypes.create_string_buffer(ADJTIMEX_STRUCT_BYTES)  # modes = 0: read only
        state = libc.adjtimex(buffer)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR


def iso_utc(t_utc: float, timespec: str = "auto") -> str:
    """ISO 8601 in UTC with offset, e.g. 2026-05-28T19:26:40+00:00 (API, messages, files)."""
    return datetime.fromtimestamp(t_utc, UTC).isoformat(timespec=timespec)
