"""The one place errors become responses: an HTML page for browsers, JSON for API clients.

A :class:`~cxm.errors.CXMError` shows its message; anything unexpected becomes a generic
500 with no detail (the traceback goes to the server log only).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from cxm.errors import CXMError
from cxm.i18n import _, language
from cxm.web.language import request_language

__all__ = [
    "NotAuthenticated",
    "TooManyRequests",
    "install_error_handlers",
    "render_error",
    "wants_html",
]

log = logging.getLogger("cxm.web")


class NotAuthenticated(CXMError):
    """No valid session or API token: 401 for the API, a redirect to login for pages."""

    status = 401
    code = "not_authenticated"


class TooManyRequests(CXMError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def wants_html(scope: Scope | Request) -> bool:
    """Browsers ask for text/html first; API clients ask for JSON or anything."""
    headers = scope.headers if isinstance(scope, Request) else Request(scope).headers
    accept = headers.get("accept", "")
    return "text/html" in accept and not headers.get("authorization")


def _status_title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Please sign in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Request too large"),
        422: _("Invalid input"),
        429: _("Too many attempts"),
    }
    return titles.get(status, _("Something went wrong") if status >= 500 else _("Error"))


def render_error(
    request: Request,
    *,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render one error: HTML for browsers, ``{"error", "message", "details"}`` for others."""
    from cxm.web.headers import apply_security_headers

    lang = getattr(request.state, "lang", None) or _language_of(request)
    with language(lang):
        if wants_html(request):
            from cxm.web.templating import templates

            problems = details if isinstance(details, list) else []
            response: Response = templates().TemplateResponse(
                request,
                "staff/error.html",
                {
                    "title": _status_title(status),
                    "message": message,
                    "problems": [p for p in problems if isinstance(p, dict)][:50],
                    "status": status,
                    "staff": request.url.path.startswith(("/staff", "/api", "/reports")),
                },
                status_code=status,
                headers=headers,
            )
        else:
            body: dict[str, Any] = {"error": code, "message": message}
            if details is not None:
                body["details"] = details
            response = JSONResponse(body, status_code=status, headers=headers)
    extra = getattr(request.app.state, "extra_headers", None) if "app" in request.scope else None
    apply_security_headers(response.headers, request.url.path, extra)
    return response


def _language_of(request: Request) -> str:
    lang = request.scope.get("state", {}).get("lang")
    if isinstance(lang, str):
        return lang
    return request_language(request.scope.get("query_string", b""), dict(request.scope["headers"]))


def _login_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    from urllib.parse import quote

    response = RedirectResponse("/staff/login?next=" + quote(target, safe="/"), status_code=303)
    from cxm.web.headers import apply_security_headers

    apply_security_headers(response.headers, request.url.path)
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CXMError)
    async def _cxm_error(request: Request, exc: CXMError) -> Response:
        headers: dict[str, str] = {}
        if isinstance(exc, NotAuthenticated):
            if wants_html(request) and request.method in ("GET", "HEAD"):
                return _login_redirect(request)
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.message)
        return render_error(
            request,
            status=exc.status,
            code=exc.code,
            message=exc.message,
            details=exc.details,
            headers=headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = _status_title(exc.status_code)
        if exc.status_code == 400:
            message = _("The request could not be read.")
        return render_error(
            request,
            status=exc.status_code,
            code="http_error",
            message=message,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "row": None,
                "column": ".".join(str(p) for p in err.get("loc", ())),
                "value": None,
                "reason": str(err.get("msg", "")),
            }
            for err in exc.errors()[:50]
        ]
        return render_error(
            request,
            status=422,
            code="invalid_input",
            message=_("Some values are not valid."),
            details=details,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return render_error(
            request,
            status=500,
            code="internal",
            message=_("An unexpected error occurred. It has been logged."),
        )
