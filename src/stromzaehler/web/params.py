"""Parsing of query parameters shared by the API routes: the user's words become a 422."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Path

from ..analytics import periods

# SQLite integers are 64-bit: a larger id in a URL is simply not there, never an overflow.
SQLITE_MAX_INT = 2**63 - 1
RowId = Annotated[int, Path(ge=0, le=SQLITE_MAX_INT)]


def parse_instant(value: str, name: str, zone: ZoneInfo) -> int:
    """ISO 8601 date or datetime (local time when it has no offset) or epoch seconds → UTC int."""
    try:
        return periods.parse_instant(value, zone)
    except ValueError as error:
        raise HTTPException(422, f"{name}={error}") from None
