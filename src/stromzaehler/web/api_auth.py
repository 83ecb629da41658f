"""Login, logout, session and password change (the password itself: passwords.py)."""

from __future__ import annotations

import math
import secrets

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from ..passwords import check_password, password_is_set, set_password
from ..store import Store
from .deps import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_LIFETIME_S,
    AppContext,
    Session,
    current_session,
    get_context,
    get_store,
    require_user,
)
from .login_guard import LoginRefused

router = APIRouter(prefix="/api", tags=["auth"])


MAX_PASSWORD_LENGTH = 1024


class Login(BaseModel):
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


def _too_many(refused: LoginRefused) -> HTTPException:
    retry_after = str(max(1, math.ceil(refused.retry_after_s)))
    return HTTPException(429, str(refused), headers={"Retry-After": retry_after})


def _guarded_check(request: Request, context: AppContext, password: str, wrong: str) -> None:
    """The password check behind the login guard (bounded, delayed and locked out per client):
    429 when the client must wait, 401 with `wrong` for a wrong password."""
    client = request.client.host if request.client else "unknown"
    try:
        ok = context.login_guard.verify(client, lambda: check_password(context.store, password))
    except LoginRefused as refused:
        raise _too_many(refused) from None
    if not ok:
        raise HTTPException(401, wrong)


@router.post("/login")
def login(
    body: Login, request: Request, response: Response, context: AppContext = Depends(get_context)
) -> dict:
    if not password_is_set(context.store):
        raise HTTPException(403, "no password is set yet: run `stromzaehler passwd` on the device")
    _guarded_check(request, context, body.password, "wrong password")
    token, session = context.sessions.create()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_LIFETIME_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return {"authenticated": True, "csrf_token": session.csrf_token}


@router.post("/logout")
def logout(
    request: Request,
    response: Response,
    context: AppContext = Depends(get_context),
    session: Session | None = Depends(current_session),
) -> dict:
    # A live session ends only with its CSRF token: another site cannot log the owner out.
    if session is not None and not secrets.compare_digest(
        request.headers.get(CSRF_HEADER, ""), session.csrf_token
    ):
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
    context.sessions.drop(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE)
    return {"authenticated": False}


@router.get("/session")
def session_state(
    session: Session | None = Depends(current_session), store: Store = Depends(get_store)
) -> dict:
    return {
        "authenticated": session is not None,
        "csrf_token": session.csrf_token if session else None,
        "password_set": password_is_set(store),
    }


@router.post("/password", dependencies=[Depends(require_user)])
def change_password(
    body: PasswordChange, request: Request, context: AppContext = Depends(get_context)
) -> dict:
    _guarded_check(request, context, body.old_password, "the old password is wrong")
    try:
        set_password(context.store, body.new_password)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    context.sessions.clear()  # a new password ends every session, this one too
    return {"changed": True}
