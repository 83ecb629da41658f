"""Parsing of query parameters shared by the API routes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fastapi import HTTPException


def parse_instant(value: str, name: str, zone: ZoneInfo) -> int:
    """ISO 8601 date or datetime (local time when it has no offset) or epoch seconds → UTC int."""
    text = value.strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise HTTPException(
            422,
            f"{name}={value!r}: expected ISO 8601 (2026-03-29 or 2026-03-29T12:00+02:00)"
            " or seconds since 1970",
        ) from None
    return int(moment.timestamp())
