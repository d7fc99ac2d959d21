"""How ``cxm serve`` runs uvicorn, and its production mode.

uvicorn closes an idle keep-alive connection ``timeout_keep_alive`` seconds after a
response, but a connection that never sends a complete request is held for ever (3,000
half-open connections were all held). :class:`GuardedH11Protocol` starts the same timer
when the connection opens: a client that has not sent its request headers by then is
disconnected. A slow request body is bounded by :mod:`cxm.web.limits` (408).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "GuardedH11Protocol",
    "ServeOptions",
    "app_factory",
    "trusted_proxy_list",
    "uvicorn_options",
]


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that sends no request headers within
    the idle timeout of opening (uvicorn times out only after a first response)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._first_request_timer = self.loop.call_later(
            self.timeout_keep_alive, self._no_request_in_time
        )

    def _no_request_in_time(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        timer = getattr(self, "_first_request_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)


def trusted_proxy_list(value: str) -> list[str]:
    """``CXM_TRUSTED_PROXIES`` as a list (addresses, networks or ``*``)."""
    return [p.strip() for p in value.split(",") if p.strip()]


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    log_level: str
    production: bool
    idle_timeout_s: int
    max_header_bytes: int
    backlog: int
    limit_concurrency: int | None
    trusted_proxies: list[str]
    log_json: bool = False


def uvicorn_options(options: ServeOptions) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` for these options (one place, so that tests
    and the benchmark serve exactly what ``cxm serve`` serves)."""
    kwargs: dict[str, Any] = {
        "factory": True,
        "host": options.host,
        "port": options.port,
        "workers": options.workers,
        "log_level": options.log_level,
        "access_log": options.log_level.lower() in ("trace", "debug", "info"),
        # The app applies the same list itself (cxm.web.proxy), so both agree.
        "proxy_headers": bool(options.trusted_proxies),
        "forwarded_allow_ips": options.trusted_proxies or None,
        "server_header": False,
        "date_header": True,
    }
    if options.production or options.log_json:
        from cxm.web.logs import log_config

        kwargs["log_config"] = log_config(options.log_level)
    if options.production:
        kwargs.update(
            http=GuardedH11Protocol,
            timeout_keep_alive=options.idle_timeout_s,
            h11_max_incomplete_event_size=options.max_header_bytes,
            backlog=options.backlog,
            limit_concurrency=options.limit_concurrency,
            timeout_graceful_shutdown=30,
            # A worker imports pandas, scipy… before it answers the supervisor's first
            # ping: under load that took more than uvicorn's 5 s and it was killed.
            timeout_worker_healthcheck=60,
        )
    return kwargs


def app_factory(options: ServeOptions) -> str:
    """The app uvicorn serves: one process answers "starting" while it builds the app
    (:mod:`cxm.web.starting`); several workers are each built before they take connections
    (the supervisor holds the socket meanwhile), so they serve the app itself."""
    if options.workers == 1 and not options.production:
        return "cxm.web.starting:create_starting_app"
    return "cxm.web.app:create_app"


def cpu_workers() -> int:
    return max(2, min(os.cpu_count() or 1, 8))
