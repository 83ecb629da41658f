"""Parsing of query parameters shared by the API routes: the user's words become a 422."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import HTTPException

from ..analytics import periods


def parse_instant(value: str, name: str, zone: ZoneInfo) -> int:
    """ISO 8601 date or datetime (local time when it has no offset) or epoch seconds → UTC int."""
    try:
        return periods.parse_instant(value, zone)
    except ValueError as error:
        raise HTTPException(422, f"{name}={error}") from None
