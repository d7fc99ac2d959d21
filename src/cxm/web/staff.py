"""Staff pages: sign in and out (the dashboard: :mod:`cxm.web.dashboard`; a wave's page:
:mod:`cxm.web.wave_pages`; the frame, ``page``: :mod:`cxm.web.frame`, re-exported here)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts import authenticate
from cxm.accounts.permissions import Capability
from cxm.accounts.sessions import device_for, end_sessions, remember_device, start_session
from cxm.accounts.throttle import AttemptKeys, failure_reason, record_attempt, retry_after
from cxm.accounts.totp import totp_required, verify_totp
from cxm.config import Settings
from cxm.i18n import _
from cxm.responses_io.comments import Comment, latest_comments
from cxm.web.deps import AppStore, DbSession, OptionalStaff, password_stamp
from cxm.web.errors import TooManyRequests
from cxm.web.frame import page
from cxm.web.permissions import Grant, Require
from cxm.web.proxy import client_address
from cxm.web.security import (
    check_csrf,
    clear_session,
    read_device,
    write_device,
    write_session,
)

__all__ = ["page", "router", "safe_next"]

router = APIRouter(prefix="/staff", tags=["staff pages"], include_in_schema=False)

Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no ``//host``) may follow a login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/staff/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalStaff, next: str = "/staff/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "staff/login.html", {"next": safe_next(next), "error": None})


def _login_failed(request: Request, next: str, message: str, *, ask_code: bool) -> Response:
    context = {"next": safe_next(next), "error": message, "ask_code": ask_code}
    return page(request, "staff/login.html", context, status=401)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DbSession,
    store: AppStore,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/staff/",
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Sign in, throttled in the database (see :mod:`cxm.accounts.throttle`); every
    attempt is recorded. A browser that signed in before is a known device."""
    device = device_for(db, token=read_device(request), account=name)
    keys = AttemptKeys.of(name, client_address(request), device)
    counts = request.app.state.throttle_counts  # Redis, when configured
    wait = retry_after(db, keys, counts=counts)
    if wait:
        with store.session() as s:  # kept although this request fails
            record_attempt(s, keys, ok=False, reason="throttled")
        raise TooManyRequests(
            _("Too many failed sign-ins. Try again in {n} seconds.", n=wait), retry_after=wait
        )
    await check_csrf(request)
    user = authenticate(db, name=name.strip(), password=password)
    if user is None:
        record_attempt(
            db, keys, ok=False, reason=failure_reason(db, name=name.strip()), counts=counts
        )
        return _login_failed(request, next, _("Wrong user name or password."), ask_code=False)
    if totp_required(db, user=user) and not verify_totp(db, user=user, code=code):
        record_attempt(db, keys, ok=False, reason="bad_code", counts=counts)
        message = (
            _("Enter the 6-digit code from your authenticator app.")
            if not code
            else _("The code is wrong or already used: wait for the next one.")
        )
        return _login_failed(request, next, message, ask_code=True)
    record_attempt(db, keys, ok=True, reason="ok")
    response = RedirectResponse(safe_next(next), status_code=303)
    sid = start_session(db, user=user, client=keys.client)
    if device is None:
        write_device(request, response, remember_device(db, user=user))
    # A fresh CSRF token at sign-in: a token planted before login is worthless after it.
    write_session(
        request,
        response,
        {
            "uid": user.id,
            "pw": password_stamp(user),
            "sid": sid,
            "csrf": secrets.token_urlsafe(32),
        },
    )
    return response


@router.post("/logout")
def logout(request: Request, grant: Own, db: DbSession) -> Response:
    """Sign out: every session of this user ends, in every browser."""
    end_sessions(db, user_id=grant.user.id, reason="logout")
    response = RedirectResponse("/staff/login", status_code=303)
    clear_session(request, response)
    return response


def _comments(
    db: DbSession, wave_id: int, grant: Grant | None, answered: int, settings: Settings
) -> list[Comment]:
    """The wave's latest comments in the grant's teams; for part of the company only when
    that part has CXM_MIN_TEXT_GROUP answers (fewer could tell who wrote them)."""
    if grant is None or (not grant.whole_company and answered < settings.min_text_group):
        return []
    return latest_comments(db, wave_id=wave_id, team_ids=grant.team_ids)
