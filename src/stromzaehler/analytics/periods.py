"""Time-zone arithmetic: bucket boundaries in local time, as UTC seconds.

The one module that knows about local time. Everything else works on integer UTC seconds;
a zone is reduced to a list of spans of constant UTC offset, so boundaries and local fields
of many instants are computed with numpy instead of one zoneinfo call per instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import numpy as np

Resolution = Literal["year", "month", "day", "hour", "15min", "minute"]
RESOLUTIONS: tuple[str, ...] = get_args(Resolution)

# Fixed-length steps in local wall-clock seconds; month and year follow the calendar.
STEP_S: dict[str, int] = {"minute": 60, "15min": 900, "hour": 3600, "day": 86400}

# The longest range a request may cover per resolution, so that one request stays small.
MAX_RANGE_S: dict[str, int] = {
    "minute": 31 * 86400 + 3600,
    "15min": 367 * 86400,
    "hour": 5 * 366 * 86400,
    "day": 50 * 366 * 86400,
    "month": 200 * 366 * 86400,
    "year": 200 * 366 * 86400,
}

QUARTER_S = 900
_SAMPLE_S = 86400  # zones change offset at most a few times a year, never twice a day


class RangeError(ValueError):
    """A requested range is empty or too large for its resolution; message is for the user."""


@dataclass(frozen=True)
class OffsetSpan:
    """[start_utc, end_utc) during which local time = UTC + offset_s."""

    start_utc: int
    end_utc: int
    offset_s: int


def utc_offset_s(zone: ZoneInfo, t_utc: int) -> int:
    offset = datetime.fromtimestamp(t_utc, UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_spans(zone: ZoneInfo, start_utc: int, end_utc: int) -> list[OffsetSpan]:
    """Spans of constant offset covering [start_utc, end_utc); transitions found by bisection."""
    spans: list[OffsetSpan] = []
    span_start = start_utc
    offset = utc_offset_s(zone, start_utc)
    probe = start_utc
    while probe < end_utc:
        nxt = min(probe + _SAMPLE_S, end_utc - 1)
        if nxt <= probe:
            break
        if utc_offset_s(zone, nxt) != offset:
            lo, hi = probe, nxt  # offset(lo) == offset, offset(hi) != offset
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if utc_offset_s(zone, mid) == offset:
                    lo = mid
                else:
                    hi = mid
            spans.append(OffsetSpan(span_start, hi, offset))
            span_start, offset = hi, utc_offset_s(zone, hi)
            probe = hi
            continue
        probe = nxt
    spans.append(OffsetSpan(span_start, end_utc, offset))
    return spans


def _local_floor(zone: ZoneInfo, resolution: str, t_utc: int) -> int:
    """UTC start of the bucket that contains t_utc."""
    local = datetime.fromtimestamp(t_utc, zone)
    if resolution == "year":
        start = datetime(local.year, 1, 1, tzinfo=zone)
    elif resolution == "month":
        start = datetime(local.year, local.month, 1, tzinfo=zone)
    elif resolution == "day":
        start = datetime(local.year, local.month, local.day, tzinfo=zone)
    else:
        offset = utc_offset_s(zone, t_utc)
        step = STEP_S[resolution]
        return (t_utc + offset) // step * step - offset
    return int(start.timestamp())


def _calendar_starts(zone: ZoneInfo, resolution: str, first: date, end_utc: int) -> list[int]:
    starts: list[int] = []
    year, month = first.year, first.month
    while True:
        # fold=0: a midnight that does not exist (a zone switching at 00:00) maps to the first
        # instant after the switch, which is where that local day or month really begins.
        t = int(datetime(year, month, 1, tzinfo=zone).timestamp())
        starts.append(t)
        if t >= end_utc:
            return starts
        if resolution == "year":
            year += 1
        else:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _stepped_boundaries(zone: ZoneInfo, step_s: int, start_utc: int, end_utc: int) -> np.ndarray:
    """Instants in [start_utc, end_utc] where local time is a multiple of step_s, and the
    instants of offset changes that end a local bucket (e.g. 03:00 CEST → 02:00 CET)."""
    pieces: list[np.ndarray] = []
    spans = offset_spans(zone, start_utc, end_utc + 1)
    for index, span in enumerate(spans):
        first = -((-(span.start_utc + span.offset_s)) // step_s) * step_s - span.offset_s
        pieces.append(np.arange(first, span.end_utc, step_s, dtype=np.int64))
        if index > 0:
            previous = spans[index - 1].offset_s
            if (span.start_utc + previous) % step_s == 0:
                pieces.append(np.array([span.start_utc], dtype=np.int64))
    merged = np.unique(np.concatenate(pieces)) if pieces else np.empty(0, np.int64)
    return merged[(merged >= start_utc) & (merged <= end_utc)]


def bucket_boundaries(resolution: str, from_utc: int, to_utc: int, zone: ZoneInfo) -> np.ndarray:
    """Boundaries b[0] < ... < b[n] of the n local buckets that cover [from_utc, to_utc).

    b[0] is the start of the bucket containing from_utc, b[n] the end of the bucket containing
    to_utc - 1. Raises RangeError for an empty range or one too long for the resolution.
    """
    if resolution not in RESOLUTIONS:
        raise RangeError(f"resolution {resolution!r}: expected one of {', '.join(RESOLUTIONS)}")
    if to_utc <= from_utc:
        raise RangeError("the range is empty: 'to' must be after 'from'")
    if to_utc - from_utc > MAX_RANGE_S[resolution]:
        days = MAX_RANGE_S[resolution] // 86400
        raise RangeError(
            f"range of {(to_utc - from_utc) / 86400:.1f} days is too long for resolution"
            f" {resolution} (at most {days} days); choose a coarser resolution"
        )
    start = _local_floor(zone, resolution, from_utc)
    last = _local_floor(zone, resolution, to_utc - 1)
    if resolution in ("year", "month"):
        local = datetime.fromtimestamp(start, zone)
        first_day = date(local.year, 1 if resolution == "year" else local.month, 1)
        return np.array(_calendar_starts(zone, resolution, first_day, last + 1), dtype=np.int64)
    step = STEP_S[resolution]
    # The last bucket ends at the next boundary after its start: at most step + 1 h later.
    bounds = _stepped_boundaries(zone, step, start, last + step + 3600)
    end_index = int(np.searchsorted(bounds, last, side="right"))
    return bounds[: end_index + 1]


def format_instants(t_utc: np.ndarray, zone: ZoneInfo) -> list[str]:
    """ISO 8601 local time with offset, e.g. '2026-10-25T02:00:00+01:00', vectorised per span."""
    values = np.asarray(t_utc, dtype=np.int64)
    if values.size == 0:
        return []
    out = np.empty(values.size, dtype=object)
    for span in offset_spans(zone, int(values.min()), int(values.max()) + 1):
        mask = (values >= span.start_utc) & (values < span.end_utc)
        if not mask.any():
            continue
        local = (values[mask] + span.offset_s).astype("datetime64[s]")
        texts = np.datetime_as_string(local, unit="s")
        suffix = _offset_text(span.offset_s)
        out[mask] = [text + suffix for text in texts.tolist()]
    return out.tolist()


def _offset_text(offset_s: int) -> str:
    sign = "+" if offset_s >= 0 else "-"
    minutes = abs(offset_s) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class LocalFields:
    """Local calendar fields of many instants (arrays of equal length)."""

    day_number: np.ndarray  # days since 1970-01-01 in local time
    second_of_day: np.ndarray  # 0..86399 local wall-clock
    weekday: np.ndarray  # 0 = Monday .. 6 = Sunday
    day_of_year: np.ndarray  # 1..366
    month: np.ndarray  # 1..12


def local_fields(t_utc: np.ndarray, zone: ZoneInfo) -> LocalFields:
    values = np.asarray(t_utc, dtype=np.int64)
    local = values.copy()
    if values.size:
        for span in offset_spans(zone, int(values.min()), int(values.max()) + 1):
            mask = (values >= span.start_utc) & (values < span.end_utc)
            local[mask] += span.offset_s
    day_number = local // 86400
    days = day_number.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    return LocalFields(
        day_number=day_number,
        second_of_day=local - day_number * 86400,
        weekday=(day_number + 3) % 7,  # 1970-01-01 was a Thursday
        day_of_year=(days - years).astype(np.int64) + 1,
        month=(months - years).astype(np.int64) + 1,
    )


def local_date(day_number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day_number))


def parse_instant(text: str, zone: ZoneInfo) -> int:
    """ISO 8601 date (local midnight) or datetime (local time when it has no offset), or epoch
    seconds, to UTC seconds. Raises ValueError with a message for the user."""
    value = text.strip()
    try:
        return _in_range(int(float(value)), text)
    except ValueError:
        pass
    except OverflowError:  # "inf", "1e400"
        raise ValueError(f"{text!r}: {_RANGE_TEXT}") from None
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time(), zone)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise ValueError(
            f"{text!r}: expected ISO 8601 (2026-03-29 or 2026-03-29T12:00+02:00) or epoch seconds"
        ) from None
    try:
        return _in_range(int(moment.timestamp()), text)
    except (OverflowError, ValueError):
        raise ValueError(f"{text!r}: {_RANGE_TEXT}") from None


# Instants the API accepts: 1900 to 2200 (an old bill may be typed with a year like 1970);
# beyond, local-time arithmetic overflows Python's datetime and no meter reading lies there.
EARLIEST_INSTANT_UTC = -2_208_988_800  # 1900-01-01T00:00Z
LATEST_INSTANT_UTC = 7_258_118_400  # 2200-01-01T00:00Z
_RANGE_TEXT = "outside 1900-01-01 to 2200-01-01"


def _in_range(t_utc: int, text: str) -> int:
    if not EARLIEST_INSTANT_UTC <= t_utc < LATEST_INSTANT_UTC:
        raise OverflowError(text)
    return t_utc
