"""Behind a reverse proxy: who the client is and which scheme it used.

``CXM_TRUSTED_PROXIES`` lists the proxies whose ``X-Forwarded-For`` and
``X-Forwarded-Proto`` are believed. The app applies uvicorn's own
``ProxyHeadersMiddleware`` with that list, and ``cxm serve`` passes the same list to
uvicorn as ``forwarded_allow_ips``: both read the headers with the same code, so they
agree (applied twice, the second pass sees a client that is not a proxy and changes
nothing). From any other peer the headers are ignored, so they cannot be forged.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cxm.config import Settings
from cxm.web.server import trusted_proxy_list

__all__ = ["client_address", "install_proxy_headers", "is_https"]


def install_proxy_headers(app: FastAPI, settings: Settings) -> None:
    trusted = trusted_proxy_list(settings.trusted_proxies)
    if trusted:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)


def client_address(request: Request) -> str:
    """The client's address (the original one when it came through a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    """True when the client used https (to the proxy, when behind a trusted one)."""
    return request.url.scheme in ("https", "wss")
