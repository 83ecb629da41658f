"""FastAPI dependencies: what a route may ask for."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, HTTPException, Request

from ..config import Settings, save_ui_settings, validate_change
from ..service import CaptureService
from ..store import Store

SESSION_COOKIE = "stromzaehler_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME_S = 7 * 24 * 3600
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Session:
    csrf_token: str
    expires_at: float


@dataclass
class Sessions:
    """Logged-in browsers; in memory, so a restart logs everybody out."""

    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(secrets.token_urlsafe(24), time.time() + SESSION_LIFETIME_S)
        with self._lock:
            self._sessions[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is not None and session.expires_at < time.time():
                del self._sessions[token]
                return None
            return session

    def drop(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()


@dataclass
class AppContext:
    settings: Settings
    store: Store
    service: CaptureService | None
    sessions: Sessions = field(default_factory=Sessions)
    # Other running parts that take settings changes at once (e.g. the MQTT publisher).
    settings_listeners: list[Callable[[Settings], None]] = field(default_factory=list)

    def update_settings(self, changes: dict[str, dict[str, Any]]) -> Settings:
        """Validate, persist in the data folder and apply at once; ConfigError when invalid."""
        settings = validate_change(self.settings, changes)
        save_ui_settings(self.settings.storage.data_dir, changes)
        self.settings = settings
        if self.service is not None:
            self.service.reconfigure(settings)
        for listener in self.settings_listeners:
            listener(settings)
        return settings


def get_context(request: Request) -> AppContext:
    return request.app.state.context


def get_store(context: AppContext = Depends(get_context)) -> Store:
    return context.store


def get_settings(context: AppContext = Depends(get_context)) -> Settings:
    return context.settings


def get_service(context: AppContext = Depends(get_context)) -> CaptureService:
    if context.service is None:
        raise HTTPException(503, "the capture service is not running")
    return context.service


def current_session(request: Request, context: AppContext = Depends(get_context)) -> Session | None:
    return context.sessions.get(request.cookies.get(SESSION_COOKIE))


def require_user(request: Request, session: Session | None = Depends(current_session)) -> Session:
    """For every change: a logged-in session, and on unsafe methods its CSRF token."""
    if session is None:
        raise HTTPException(401, "log in first")
    if request.method in UNSAFE_METHODS and not secrets.compare_digest(
        request.headers.get(CSRF_HEADER, ""), session.csrf_token
    ):
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
    return session


def require_reader(
    context: AppContext = Depends(get_context), session: Session | None = Depends(current_session)
) -> None:
    """Reading data is open on the LAN unless auth.open_read is switched off."""
    if not context.settings.auth.open_read and session is None:
        raise HTTPException(401, "log in first")
