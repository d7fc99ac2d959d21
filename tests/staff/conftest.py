"""Fixtures of the staff side: an app on the test database, named staff users (alice the
admin, bob the analyst, carol the agent), and a wave with a few answered invitations —
all made through the service layer."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from cxm.accounts import create_token, create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.loader import parse_definition
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.responses import save_page
from cxm.surveys.waves import create_wave, sample_wave
from cxm.web.app import create_app

with warnings.catch_warnings():  # starlette asks for httpx2, which is not packaged yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
NASTY = '<script>alert("x")</script><b onmouseover="x()">hi</b>'
FORMULA = '=HYPERLINK("http://evil.example","click")'

QUESTIONNAIRE: dict[str, Any] = {
    "code": "svc",
    "title": {"en": "Service survey", "zh-CN": "服务调查"},
    "pages": [
        {
            "questions": [
                {"code": "SAT", "type": "satisfaction5", "text": {"en": "Overall?"}},
                {
                    "code": "CHANNEL",
                    "type": "single",
                    "text": {"en": "Channel?"},
                    "choices": [
                        {"code": "shop", "text": {"en": "Shop", "zh-CN": "门店"}},
                        {"code": "web", "text": {"en": "Web", "zh-CN": "网站"}},
                    ],
                },
                {
                    "code": "WHY",
                    "type": "multiple",
                    "required": False,
                    "text": {"en": "Why?"},
                    "choices": [
                        {"code": "price", "text": {"en": "Price"}},
                        {"code": "staff", "text": {"en": "Staff"}},
                        {"code": "speed", "text": {"en": "Speed"}},
                    ],
                },
                {"code": "NPS", "type": "nps", "dont_know": True, "text": {"en": "Recommend?"}},
                {
                    "code": "IMPROVE",
                    "type": "text",
                    "required": False,
                    "text": {"en": "What should we improve?"},
                },
            ]
        }
    ],
}

ANSWERS = [
    {"SAT": "5", "CHANNEL": "shop", "WHY": ["price", "staff"], "NPS": "9", "IMPROVE": NASTY},
    {"SAT": "4", "CHANNEL": "web", "WHY": [], "NPS": "dk", "IMPROVE": "更快一点"},
    {"SAT": "2", "CHANNEL": "web", "WHY": ["speed"], "NPS": "3", "IMPROVE": FORMULA},
]


@dataclass
class Survey:
    questionnaire_id: int
    wave_id: int
    invited: int
    completed: int


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, env="test", secret_key="t" * 48)


@pytest.fixture
def app(settings: Settings, store: Store):
    return create_app(settings, store=store)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """A browser-like client (asks for HTML); API tests send their own Accept."""
    with TestClient(app, raise_server_exceptions=False, headers={"accept": "text/html"}) as c:
        yield c


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One real argon2 hash of PASSWORD for every test user (hashing costs ~0.3 s)."""
    return hash_password(PASSWORD)


@pytest.fixture
def users(store: Store, password_hash: str) -> dict[str, str]:
    """alice (admin), bob (analyst), carol (agent); returns name → role."""
    roles = {"alice": "admin", "bob": "analyst", "carol": "agent"}
    with store.session() as s:
        for name, role in roles.items():
            create_user(s, name=name, role=role, password_hash=password_hash)
    return roles


def bearer(store: Store, name: str) -> dict[str, str]:
    with store.session() as s:
        secret = create_token(s, name=name, label="test").secret
    return {"Authorization": f"Bearer {secret}"}


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    form = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"name": name, "password": password, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )


@pytest.fixture
def survey(store: Store) -> Survey:
    """Questionnaire ``svc``; 6 customers in 2 regions all invited; 3 answered."""
    today = date.today()
    with store.session() as s:
        for i in range(6):
            s.add(
                Customer(
                    external_id=f"C{i}",
                    name=f"Kunde {i}",
                    region=("north", "south")[i % 2],
                    email=f"c{i}@example.com",
                    attributes={},
                )
            )
        s.flush()
        saved = save_questionnaire(s, definition=parse_definition(QUESTIONNAIRE))
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name="2026-Q4",
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=30),
        )
        result = sample_wave(s, wave_id=wave.id, stratum="region", seed=1)
        tokens = issue_links(s, invitation_ids=sorted(result.invitation_ids))
    for token, answers in zip(list(tokens.values()), ANSWERS, strict=False):
        with store.session() as s:
            save_page(s, token=token, page=0, raw=answers)
    return Survey(saved.questionnaire_id, wave.id, result.total, len(ANSWERS))
