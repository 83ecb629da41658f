"""The settings the owner may change in the web interface (the password has its own route)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Body, Depends, HTTPException

from ..config import ConfigError, Settings
from .deps import AppContext, get_context, get_settings, require_reader, require_user

# section -> keys the web interface may read and change; everything else stays in the files.
EDITABLE: dict[str, tuple[str, ...]] = {
    "capture": ("interval_s",),
    "light": ("enabled",),
    "analytics": ("timezone",),
    "gate": ("max_power_w",),
    "storage": ("rejected_frames_kept",),
    "auth": ("open_read",),
    "mqtt": (
        "host",
        "port",
        "username",
        "password",
        "tls",
        "base_topic",
        "discovery_prefix",
        "client_id",
    ),
}
# Changed here but never sent back (GET /api/settings may be open on the LAN): the answer
# holds null and `<key>_set` says whether one is stored.
WRITE_ONLY: dict[str, tuple[str, ...]] = {"mqtt": ("password",)}

router = APIRouter(prefix="/api", tags=["settings"])


def editable_settings(settings: Settings) -> dict[str, dict[str, Any]]:
    dumped = settings.model_dump(mode="json")
    shown = {
        section: {key: dumped[section][key] for key in keys} for section, keys in EDITABLE.items()
    }
    for section, keys in WRITE_ONLY.items():
        for key in keys:
            shown[section][f"{key}_set"] = bool(shown[section][key])
            shown[section][key] = None
    return shown


def check_editable(changes: Any) -> dict[str, dict[str, Any]]:
    """The changes when they only touch editable keys, else 422 naming the first other key."""
    if not isinstance(changes, dict):
        raise HTTPException(422, 'expected {"section": {"key": value}}')
    for section, values in changes.items():
        if section not in EDITABLE or not isinstance(values, dict):
            raise HTTPException(422, f"{section}: not a settings section editable here")
        for key in values:
            if key not in EDITABLE[section]:
                raise HTTPException(422, f"{section}.{key}: not editable in the web interface")
    return changes


@router.get("/settings", dependencies=[Depends(require_reader)])
def read_settings(settings: Settings = Depends(get_settings)) -> dict:
    return editable_settings(settings)


@router.put("/settings", dependencies=[Depends(require_user)])
def change_settings(
    changes: dict[str, Any] = Body(..., examples=[{"capture": {"interval_s": 30}}]),
    context: AppContext = Depends(get_context),
) -> dict:
    try:
        settings = context.update_settings(check_editable(changes))
    except ConfigError as error:
        raise HTTPException(422, str(error)) from None
    return editable_settings(settings)


@router.get("/settings/timezones", dependencies=[Depends(require_reader)])
def timezones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone)
