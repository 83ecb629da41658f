"""The only package that speaks SQL."""

from .db import DATABASE_NAME, FrameRecord, Reading, Store, migrate

__all__ = ["DATABASE_NAME", "FrameRecord", "Reading", "Store", "migrate"]
