"""A lone ``cxm serve`` process answers at once: 503 "starting" on ``/healthz``, ``/readyz``
and every other path while the app is built beside, then the app itself."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from cxm.web.server import ServeOptions, app_factory
from cxm.web.starting import StartingApp

JSON = {"accept": "application/json"}


def test_it_says_starting_until_the_app_is_built_then_serves_it(
    settings: Settings, store: Store
) -> None:
    gate = threading.Event()

    def build():  # type: ignore[no-untyped-def]
        gate.wait(timeout=60)
        return create_app(settings, store=store)

    starting = StartingApp(build)
    with TestClient(starting, raise_server_exceptions=False) as client:
        health = client.get("/healthz", headers=JSON)
        assert health.status_code == 503
        assert health.json()["status"] == "starting"
        assert health.headers["retry-after"] == "1"
        ready = client.get("/readyz", headers=JSON)
        assert ready.status_code == 503 and ready.json()["status"] == "starting"
        page = client.get("/staff/login")
        assert page.status_code == 503 and "starting" in page.text
        gate.set()
        deadline = time.monotonic() + 60
        while not starting.ready and time.monotonic() < deadline:
            time.sleep(0.02)
        assert starting.ready
        assert client.get("/healthz", headers=JSON).json()["status"] == "ok"
        assert client.get("/readyz", headers=JSON).status_code == 200
        assert client.get("/staff/login").status_code == 200


def test_only_a_lone_process_is_served_through_it() -> None:
    def options(workers: int, production: bool) -> ServeOptions:
        return ServeOptions(
            host="127.0.0.1",
            port=8000,
            workers=workers,
            log_level="warning",
            production=production,
            idle_timeout_s=5,
            max_header_bytes=16_384,
            backlog=4096,
            limit_concurrency=None,
            trusted_proxies=[],
        )

    assert app_factory(options(1, False)) == "cxm.web.starting:create_starting_app"
    # several workers: the supervisor holds the socket and only built workers take requests
    assert app_factory(options(2, False)) == "cxm.web.app:create_app"
    assert app_factory(options(1, True)) == "cxm.web.app:create_app"
