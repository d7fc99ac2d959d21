"""Staff pages: sign in and out, the dashboard of waves, a wave's response rates."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts import authenticate
from cxm.accounts.permissions import Capability
from cxm.config import Settings
from cxm.i18n import _
from cxm.responses_io.comments import Comment, latest_comments
from cxm.responses_io.rates import wave_rates, waves_overview
from cxm.surveys.waves import get_wave
from cxm.web.deps import AppSettings, DbSession, OptionalStaff, password_stamp
from cxm.web.errors import TooManyRequests
from cxm.web.limits import LoginThrottle
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.security import (
    check_csrf,
    clear_session,
    csrf_token,
    write_session,
)
from cxm.web.templating import templates

__all__ = ["router", "safe_next"]

router = APIRouter(prefix="/staff", tags=["staff pages"], include_in_schema=False)

Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]
Rates = Annotated[Grant, Require(Capability.VIEW_REPORTS, filters=True)]


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no ``//host``) may follow a login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/staff/"
    return target


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {"csrf": csrf_token(request), "lang": request.state.lang, **context}
    response = templates().TemplateResponse(request, name, context, status_code=status)
    if "lang" in request.query_params:  # the language switch sticks for later pages
        response.set_cookie(
            "lang", request.state.lang, max_age=365 * 86400, samesite="lax", httponly=True
        )
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalStaff, next: str = "/staff/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "staff/login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DbSession,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/staff/",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    keys = ("ip:" + _client(request), "name:" + name.strip().lower())
    wait = throttle.retry_after(*keys)
    if wait:
        raise TooManyRequests(
            _("Too many failed sign-ins. Try again in {n} seconds.", n=wait), retry_after=wait
        )
    await check_csrf(request)
    user = authenticate(db, name=name.strip(), password=password)
    if user is None:
        throttle.failed(*keys)
        return page(
            request,
            "staff/login.html",
            {"next": safe_next(next), "error": _("Wrong user name or password.")},
            status=401,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    # A fresh CSRF token at sign-in: a token planted before login is worthless after it.
    write_session(
        request,
        response,
        {"uid": user.id, "pw": password_stamp(user), "csrf": secrets.token_urlsafe(32)},
    )
    return response


@router.post("/logout")
def logout(request: Request, grant: Own) -> Response:
    response = RedirectResponse("/staff/login", status_code=303)
    clear_session(request, response)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, grant: Own, db: DbSession) -> Response:
    """Everyone signs in here; the waves show to those who read reports, for their teams."""
    reports = grant_for(db, grant.user, Capability.VIEW_REPORTS)
    waves = waves_overview(db, team_ids=reports.team_ids) if reports is not None else []
    return page(request, "staff/dashboard.html", {"user": grant.user, "waves": waves})


def _comments(
    db: DbSession, wave_id: int, grant: Grant | None, answered: int, settings: Settings
) -> list[Comment]:
    """The wave's latest comments in the grant's teams; for part of the company only when
    that part has CXM_MIN_TEXT_GROUP answers (fewer could tell who wrote them)."""
    if grant is None or (not grant.whole_company and answered < settings.min_text_group):
        return []
    return latest_comments(db, wave_id=wave_id, team_ids=grant.team_ids)


@router.get("/waves/{wave_id}", response_class=HTMLResponse)
def wave_page(
    request: Request, wave_id: int, grant: Rates, db: DbSession, settings: AppSettings
) -> Response:
    user = grant.user
    rates = wave_rates(db, wave_id=wave_id, team_ids=grant.team_ids)
    export = grant_for(db, user, Capability.EXPORT)
    verbatim = grant_for(db, user, Capability.SEE_VERBATIM)
    wave = get_wave(db, wave_id=wave_id)
    context = {
        "user": user,
        "wave": {
            "id": wave.id,
            "name": wave.name,
            "questionnaire": wave.questionnaire.code,
            "opens_on": wave.opens_on.isoformat(),
            "closes_on": wave.closes_on.isoformat(),
        },
        "total": rates.total,
        "strata": rates.strata,
        "can_export": export is not None and export.whole_company,
        "comments": _comments(db, wave_id, verbatim, rates.total.completed, settings),
    }
    return page(request, "staff/wave.html", context)
