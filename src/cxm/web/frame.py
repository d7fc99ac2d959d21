"""The frame every staff page is drawn in: navigation by role, the language switch, the
company's time zone, breadcrumbs and flash messages.

``page(request, "staff/x.html", {"user": grant.user, ...})`` renders a template that extends
``staff/base.html``. A change that redirects says what it did with :func:`flash` on the
redirect; the next page shows it once (a short-lived signed cookie, so a link cannot plant a
message).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cxm.config import Settings
from cxm.web.nav import nav_for
from cxm.web.proxy import is_https
from cxm.web.security import csrf_token
from cxm.web.templating import templates

__all__ = ["flash", "page", "redirect_with_flash"]

FLASH_COOKIE = "cxm_flash"
FLASH_MAX_AGE = 120  # seconds: a message is for the page right after the change
LANGUAGE_CHOICES = (("zh-CN", "中文"), ("en", "English"))


def _flash_serializer(request: Request) -> URLSafeTimedSerializer:
    settings: Settings = request.app.state.settings
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="cxm.flash")


def flash(request: Request, response: Response, message: str, kind: str = "ok") -> None:
    """Show ``message`` (already translated) on the next page this browser opens."""
    response.set_cookie(
        FLASH_COOKIE,
        _flash_serializer(request).dumps([kind if kind in ("ok", "error") else "ok", message]),
        max_age=FLASH_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/staff",
    )


def redirect_with_flash(request: Request, url: str, message: str, kind: str = "ok") -> Response:
    """A 303 to ``url`` (after a POST) that shows ``message`` there."""
    response = RedirectResponse(url, status_code=303)
    flash(request, response, message, kind)
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or len(raw) > 2048:
        return None
    try:
        kind, message = _flash_serializer(request).loads(raw, max_age=FLASH_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return {"kind": str(kind), "message": str(message)}


def _language_links(request: Request) -> list[dict[str, Any]]:
    """This page in each language (other query parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [
        {
            "code": code,
            "name": name,
            "href": request.url.path + "?" + urlencode([*params, ("lang", code)]),
            "current": request.state.lang == code,
        }
        for code, name in LANGUAGE_CHOICES
    ]


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a staff page in the frame; ``context["user"]`` (the signed-in user) drives
    the menu; ``crumbs`` is an optional list of (label, href or None)."""
    from cxm.clock import company_zone

    user = context.get("user")
    shown_flash = _read_flash(request)
    context = {
        "csrf": csrf_token(request),
        "lang": request.state.lang,
        "nav": nav_for(user, request.url.path),
        "languages": _language_links(request),
        "timezone": company_zone().key,
        "flash": shown_flash,
        "crumbs": [],
        **context,
    }
    response = templates().TemplateResponse(request, name, context, status_code=status)
    if shown_flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/staff")
    if "lang" in request.query_params:  # the language switch sticks for later pages
        response.set_cookie(
            "lang",
            request.state.lang,
            max_age=365 * 86400,
            samesite="lax",
            httponly=True,
            secure=is_https(request),
        )
    return response
