"""Parsing of query parameters shared by the API routes: the user's words become a 422.

The rules themselves (zone, default spans, from/to) are analytics.query's, shared with the CLI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Path

from ..analytics.query import QueryContext, QueryError

# SQLite integers are 64-bit: a larger id in a URL is simply not there, never an overflow.
SQLITE_MAX_INT = 2**63 - 1
RowId = Annotated[int, Path(ge=0, le=SQLITE_MAX_INT)]


def parse_time(ctx: QueryContext, text: str, name: str = "time") -> int:
    """ISO 8601 date or datetime (local time when it has no offset) or epoch seconds → UTC int."""
    try:
        return ctx.instant(text, name)
    except QueryError as error:
        raise HTTPException(422, str(error)) from None


def parse_range(
    ctx: QueryContext, from_: str | None, to: str | None, span_s: int, now_utc: int | None = None
) -> tuple[int, int]:
    try:
        return ctx.range(from_, to, span_s, now_utc=now_utc)
    except QueryError as error:
        raise HTTPException(422, str(error)) from None
