"""``/metrics`` in the Prometheus text format: requests and latencies by route.

Under several workers each process writes its samples to ``PROMETHEUS_MULTIPROC_DIR``
(``cxm serve --production`` sets it) and a scrape of any worker sums them all. The route
label is the route's template (``/api/v1/waves/{wave_id}``), never the raw path, so the
number of series stays bounded whatever clients request. Gauges that need the database
(live sessions; the job queue's depth once a job runner registers it with
:func:`register_scrape_gauge`) are read at each scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxm.i18n import _
from cxm.store import Store
from cxm.web.errors import NotAuthenticated

__all__ = ["MetricsMiddleware", "ScrapeGauge", "register_scrape_gauge", "router"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("cxm.web")


@dataclass(frozen=True, slots=True)
class ScrapeGauge:
    """A gauge read from the database when /metrics is scraped (e.g. the job queue's
    depth): ``read(store)`` returns the value."""

    name: str
    help: str
    read: Callable[[Store], float]


_SCRAPE_GAUGES: dict[str, ScrapeGauge] = {}


def register_scrape_gauge(gauge: ScrapeGauge) -> None:
    """Add a gauge to every scrape (a job runner registers its queue depth here)."""
    _SCRAPE_GAUGES[gauge.name] = gauge


class _ScrapeCollector:
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for gauge in _SCRAPE_GAUGES.values():
            try:
                value = float(gauge.read(self.store))
            except Exception:  # a failing reader must not hide the other metrics
                log.exception("metrics gauge %s failed", gauge.name)
                continue
            yield GaugeMetricFamily(gauge.name, gauge.help, value=value)


def _staff_sessions(store: Store) -> float:
    from sqlalchemy import func, select

    from cxm.accounts.login_models import StaffSession

    with store.session() as s:
        query = select(func.count()).where(StaffSession.ended_at.is_(None))
        return float(s.scalar(query.select_from(StaffSession)) or 0)


register_scrape_gauge(
    ScrapeGauge("cxm_staff_sessions_live", "Staff sessions not ended.", _staff_sessions)
)


@cache
def _metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Gauge, Histogram

    return {
        "requests": Counter(
            "cxm_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
        ),
        "latency": Histogram(
            "cxm_http_request_duration_seconds",
            "Seconds from request to the end of the response.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ),
        "in_progress": Gauge(
            "cxm_http_requests_in_progress", "Requests being answered.", multiprocess_mode="livesum"
        ),
    }


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = _metrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        in_progress = self.metrics["in_progress"]
        in_progress.inc()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            in_progress.dec()
            route = scope.get("route")
            label = getattr(route, "path", None) or (
                "/static" if scope.get("path", "").startswith("/static/") else "unmatched"
            )
            method = scope.get("method", "")
            self.metrics["requests"].labels(method, label, str(status)).inc()
            self.metrics["latency"].labels(method, label).observe(time.perf_counter() - started)


def _allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token.get_secret_value()
    sent = request.headers.get("authorization", "")
    if token:
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format (CXM_METRICS_TOKEN as bearer, or from loopback)."""
    if not _allowed(request):
        raise NotAuthenticated(_("Metrics need the token set in CXM_METRICS_TOKEN."))
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
    )

    _metrics()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(_ScrapeCollector(request.app.state.store))  # type: ignore[arg-type]
    return Response(body + generate_latest(gauges), media_type=CONTENT_TYPE_LATEST)
