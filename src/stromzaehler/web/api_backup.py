"""The last backup for the Settings page, and a fresh backup to download (logged in only: the
database holds the password hash)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ..backups import backup_folder, daily_name, last_backup
from ..config import Settings
from ..store import DATABASE_NAME
from ..store.backup import backup_database
from .deps import get_settings, require_user

router = APIRouter(prefix="/api/backup", tags=["backup"])


@router.get("", dependencies=[Depends(require_user)])
def backup_state(settings: Settings = Depends(get_settings)) -> dict:
    folder = backup_folder(settings.storage.data_dir, settings.storage.backup_dir)
    return {"folder": str(folder), "last": last_backup(folder)}


@router.get(
    "/download",
    dependencies=[Depends(require_user)],
    responses={200: {"content": {"application/vnd.sqlite3": {}}}},
)
def download(settings: Settings = Depends(get_settings)) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="stromzaehler-download-"))
    info = backup_database(settings.storage.data_dir / DATABASE_NAME, folder / "backup.sqlite3")

    def clean_up() -> None:
        info.path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(
        info.path,
        media_type="application/vnd.sqlite3",
        filename=daily_name(date.today()),
        background=BackgroundTask(clean_up),
    )
