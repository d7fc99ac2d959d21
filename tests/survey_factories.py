"""Factories for survey tests: everything goes through the survey service layer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cxm.customers.models import Customer
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.loader import parse_definition
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.waves import create_wave, sample_wave

#: A two-page questionnaire with every kind of check a form needs.
SHORT: dict[str, Any] = {
    "code": "short",
    "title": {"zh-CN": "简短调查", "en": "Short survey"},
    "pages": [
        {
            "questions": [
                {
                    "code": "SAT",
                    "type": "satisfaction5",
                    "text": {"zh-CN": "总体满意吗？", "en": "Overall satisfied?"},
                },
                {"code": "NPS", "type": "nps", "text": {"zh-CN": "推荐吗？", "en": "Recommend?"}},
                {
                    "code": "AGE",
                    "type": "number",
                    "integer": True,
                    "minimum": 0,
                    "maximum": 120,
                    "required": False,
                    "dont_know": True,
                    "text": {"zh-CN": "年龄", "en": "Age"},
                },
            ]
        },
        {
            "questions": [
                {
                    "code": "WHY",
                    "type": "single",
                    "show_if": {"question": "SAT", "in": [1, 2]},
                    "choices": [
                        {"code": "price", "text": {"zh-CN": "价格", "en": "Price"}},
                        {"code": "staff", "text": {"zh-CN": "员工", "en": "Staff"}},
                    ],
                    "text": {"zh-CN": "为什么不满意？", "en": "Why not satisfied?"},
                },
                {
                    "code": "CHANNELS",
                    "type": "multiple",
                    "required": False,
                    "choices": [
                        {"code": "web", "text": {"zh-CN": "网站", "en": "Web"}},
                        {"code": "shop", "text": {"zh-CN": "门店", "en": "Shop"}},
                        {"code": "phone", "text": {"zh-CN": "电话", "en": "Phone"}},
                    ],
                    "text": {"zh-CN": "您用过哪些渠道？", "en": "Which channels did you use?"},
                },
                {
                    "code": "COMMENT",
                    "type": "text",
                    "required": False,
                    "max_length": 500,
                    "text": {
                        "zh-CN": "您认为我们最应该改进什么？",
                        "en": "What should we improve?",
                    },
                },
            ]
        },
    ],
}


def add_customers(
    store: Store, n: int, *, regions: tuple[str, ...] = ("north", "south")
) -> list[int]:
    with store.session() as s:
        customers = [
            Customer(
                external_id=f"C{i:05d}",
                name=f"Customer {i}",
                email=f"c{i}@example.test",
                region=regions[i % len(regions)],
                attributes={"tier": "gold" if i % 5 == 0 else "silver"},
            )
            for i in range(n)
        ]
        s.add_all(customers)
        s.flush()
        return [c.id for c in customers]


def wave_with_links(
    store: Store,
    *,
    customers: int = 4,
    definition: dict[str, Any] | None = None,
    name: str = "2026 Q4",
) -> tuple[int, list[str]]:
    """A wave of the ``definition`` questionnaire (SHORT by default) inviting ``customers``
    new customers; returns the wave id and one personal token per invitation."""
    add_customers(store, customers)
    today = date.today()
    with store.session() as s:
        saved = save_questionnaire(s, definition=parse_definition(definition or SHORT))
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name=name,
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=30),
            quiet_days=0,
        )
        result = sample_wave(s, wave_id=wave.id, seed=1)
        tokens = issue_links(s, invitation_ids=result.invitation_ids)
        return wave.id, [tokens[i] for i in result.invitation_ids]


#: One page, two required ratings: submitting it completes the response.
ONE_PAGE: dict[str, Any] = {
    "code": "one_page",
    "title": {"zh-CN": "一页调查", "en": "One-page survey"},
    "pages": [{"questions": SHORT["pages"][0]["questions"][:2]}],
}


def web_client(app: Any) -> Any:
    """Starlette's TestClient; its import warns about httpx (a third-party deprecation)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(app)


def make_app(store: Store) -> Any:
    from cxm.config import load_settings
    from cxm.web.app import create_app

    return create_app(load_settings(database_url=str(store.engine.url)), store=store)


class LiveServer:
    """The real app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class ServedProcess:
    """``cxm serve`` in a child process on a free loopback port, on ``database_url``."""

    def __init__(self, database_url: str, *, workers: int = 1) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.database_url = database_url
        self.workers = workers
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedProcess:
        import os
        import subprocess
        import sys
        import time

        import httpx

        env = {**os.environ, "CXM_DATABASE_URL": self.database_url, "CXM_ENV": "development"}
        cmd = [sys.executable, "-c", "from cxm.cli import main; main()", "serve"]
        cmd += ["--port", str(self.port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                # Killed first: reading the output of a server still running waits forever.
                self.proc.kill()
                err = self.proc.stderr.read() if self.proc.stderr else ""
                self.proc.wait()
                if self.proc.stderr:
                    self.proc.stderr.close()
                raise RuntimeError(f"cxm serve did not start: {err[-2000:]}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
