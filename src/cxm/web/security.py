"""Staff sign-in and the protections every response gets.

- Sessions for pages: a cookie signed with ``settings.secret_key`` (itsdangerous), HttpOnly,
  SameSite=Lax, Secure over https, valid for :data:`SESSION_MAX_AGE` seconds.
- CSRF: a synchronizer token kept in that signed session (an anonymous visitor gets one
  too, for the login form); every state-changing request authenticated by the cookie must
  send it back as the form field ``csrf_token`` or the ``X-CSRF-Token`` header.
- Bearer tokens for the API (see :mod:`cxm.accounts`); they need no CSRF token.
- Security headers (CSP without ``unsafe-inline``) on every response, body limits and the
  single error renderer, all installed by :func:`install_security`.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxm.config import Settings
from cxm.errors import PermissionDenied
from cxm.i18n import _
from cxm.web.errors import install_error_handlers
from cxm.web.headers import (
    CSP,
    SecurityHeadersMiddleware,
    apply_security_headers,
    production_headers,
)
from cxm.web.limits import BodyLimitMiddleware
from cxm.web.proxy import install_proxy_headers, is_https

__all__ = [
    "CSP",
    "CSRF_FIELD",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "SESSION_MAX_AGE",
    "SecurityHeadersMiddleware",
    "apply_security_headers",
    "check_csrf",
    "clear_session",
    "csrf_token",
    "install_operations",
    "install_security",
    "production_headers",
    "read_device",
    "read_session",
    "write_device",
    "write_session",
]

SESSION_COOKIE = "cxm_session"
SESSION_MAX_AGE = 8 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _serializer(request: Request) -> URLSafeTimedSerializer:
    settings: Settings = request.app.state.settings
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="cxm.session")


def read_session(request: Request) -> dict[str, Any]:
    """The verified session of this request ({} when missing, forged or expired)."""
    cached = request.scope.get("cxm.session")
    if cached is not None:
        return dict(cached)
    raw = request.cookies.get(SESSION_COOKIE)
    data: dict[str, Any] = {}
    if raw and len(raw) < 4096:
        try:
            loaded = _serializer(request).loads(raw, max_age=SESSION_MAX_AGE)
            if isinstance(loaded, dict):
                data = loaded
        except BadSignature:
            data = {}
    request.scope["cxm.session"] = data
    return dict(data)


def write_session(request: Request, response: Response, data: dict[str, Any]) -> None:
    request.scope["cxm.session"] = dict(data)
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(request).dumps(data),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


DEVICE_COOKIE = "cxm_device"
DEVICE_MAX_AGE = 180 * 86400


def _device_serializer(request: Request) -> URLSafeTimedSerializer:
    settings: Settings = request.app.state.settings
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="cxm.device")


def read_device(request: Request) -> str | None:
    """The known-device token this browser holds (None when missing, forged or old)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        token = _device_serializer(request).loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def write_device(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer(request).dumps(token),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/staff/login",
    )


def clear_session(request: Request, response: Response) -> None:
    request.scope["cxm.session"] = {}
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def csrf_token(request: Request) -> str:
    """This session's CSRF token; a new one is put in the session when there is none (the
    caller must then write the session: see :func:`ensure_session`)."""
    session = read_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
        request.scope["cxm.session"] = session
        request.scope["cxm.session_dirty"] = True
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing, cookie-authenticated request without the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = read_session(request).get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDenied(
            _("The form has expired or did not come from this site. Reload the page and try again.")
        )


class _SessionWriter:
    """Sets the session cookie when :func:`csrf_token` created a token during the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("cxm.session_dirty"):
                headers = MutableHeaders(scope=message)
                if not any(
                    c.startswith(SESSION_COOKIE + "=") for c in headers.getlist("set-cookie")
                ):
                    probe = Response()
                    write_session(Request(scope), probe, scope.get("cxm.session") or {})
                    headers.append("set-cookie", probe.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _install_database_value_errors(app: FastAPI) -> None:
    """A value the database cannot hold is the client's error, not the server's: an id of
    2^63 (OverflowError on SQLite), text longer than a column or a number out of a
    column's range (DataError on PostgreSQL) answer 422; a duplicate answers 409."""
    from sqlalchemy.exc import DataError, IntegrityError

    from cxm.web.errors import render_error

    async def out_of_range(request: Request, exc: Exception) -> Response:
        return render_error(
            request,
            status=422,
            code="out_of_range",
            message=_("A value in the request is out of range or too long for its field."),
        )

    async def conflict(request: Request, exc: Exception) -> Response:
        return render_error(
            request,
            status=409,
            code="conflict",
            message=_("This conflicts with data already saved (a duplicate?)."),
        )

    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(DataError, out_of_range)
    app.add_exception_handler(IntegrityError, conflict)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Headers, body limits, session cookie writer, login throttle and error rendering."""
    install_error_handlers(app)
    _install_database_value_errors(app)
    app.state.throttle_counts = None
    if settings.redis_url:
        from cxm.accounts.throttle import RedisCounts

        app.state.throttle_counts = RedisCounts(settings.redis_url)
    if not settings.smtp_host:
        logging.getLogger("cxm.web").warning(
            _(
                "E-mail is not configured (CXM_SMTP_HOST is empty): sending survey "
                "invitations and reminders answers 409 until it is set."
            )
        )
    app.add_middleware(_SessionWriter)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        read_timeout_s=settings.body_timeout_s,
    )
    app.state.extra_headers = production_headers(settings)
    app.add_middleware(SecurityHeadersMiddleware, extra=app.state.extra_headers)
    # Outermost: the client and scheme are the original ones for everything inside.
    install_proxy_headers(app, settings)


def install_operations(app: FastAPI) -> None:
    """/healthz, /readyz and /metrics; request ids and metrics around every request
    (added last, so they are the outermost middlewares)."""
    from cxm.web.health import router as health_router
    from cxm.web.logs import RequestIdMiddleware
    from cxm.web.metrics import MetricsMiddleware
    from cxm.web.metrics import router as metrics_router

    app.include_router(health_router)
    app.include_router(metrics_router)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
