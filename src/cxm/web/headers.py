"""The security headers every response gets (CSP without ``unsafe-inline``, HSTS in
production): below both :mod:`cxm.web.errors`, which adds them to every error it renders,
and :mod:`cxm.web.security`, which installs them on the app."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxm.config import Settings

__all__ = [
    "CSP",
    "HSTS",
    "SecurityHeadersMiddleware",
    "apply_security_headers",
    "production_headers",
]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # No page of CXM uses these: a script injected despite the CSP cannot either.
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    ),
}


#: Sent in production mode too (CXM_ENV=production): browsers keep to https for a year.
HSTS = "max-age=31536000; includeSubDomains"


def production_headers(settings: Settings) -> dict[str, str]:
    """Headers added to :data:`_HEADERS` by this installation's settings."""
    return {"Strict-Transport-Security": HSTS} if settings.env == "production" else {}


def apply_security_headers(
    headers: MutableHeaders, path: str = "", extra: Mapping[str, str] | None = None
) -> None:
    for name, value in _HEADERS.items():
        if name not in headers:
            headers[name] = value
    for name, value in (extra or {}).items():
        if name not in headers:
            headers[name] = value
    if path.startswith(("/staff", "/api")) and "cache-control" not in headers:
        headers["Cache-Control"] = "no-store"


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI: cheap per request)."""

    def __init__(self, app: ASGIApp, extra: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.extra = dict(extra or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), path, self.extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)
