"""Per-request language: ``?lang=`` / the ``lang`` cookie / Accept-Language, in that order.

Plain ASGI rather than ``BaseHTTPMiddleware``: it runs on every respondent save, and the
latter costs a task group and a response copy per request.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from cxm.i18n import language, normalise_language

__all__ = ["LanguageMiddleware", "request_language"]


def request_language(query_string: bytes, headers: dict[bytes, bytes]) -> str:
    chosen = parse_qs(query_string.decode("latin-1")).get("lang", [""])[0]
    if not chosen and b"cookie" in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers[b"cookie"].decode("latin-1"))
        except Exception:  # a malformed cookie header must not fail the request
            cookie = SimpleCookie()
        morsel = cookie.get("lang")
        chosen = morsel.value if morsel else ""
    if chosen:
        return normalise_language(chosen)
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    first = accept.split(",")[0].split(";")[0].strip()
    return normalise_language(first) if first else "en"


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        lang = request_language(scope.get("query_string", b""), headers)
        scope.setdefault("state", {})["lang"] = lang
        with language(lang):
            await self.app(scope, receive, send)
