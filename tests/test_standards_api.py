"""Standards, sigma and projects over the real HTTP app (SQLite and PostgreSQL)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date

import pytest

from cxm.accounts import create_token, create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.standards.definitions import load_standards
from cxm.standards.projects import ProjectSpec, create_project, set_phase
from cxm.store import Store
from cxm.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CHECKLIST = """
standards:
  - {code: GREET, name: Greets, stage: sale, kind: people, owner: Store, unit: visit,
     source: shopping, target: 0.95}
"""


@pytest.fixture
def client(database_url: str, store: Store) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, env="test", secret_key="t" * 48)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as c:
        yield c


def _bearer(store: Store, name: str, role: str) -> dict[str, str]:
    with store.session() as s:
        create_user(s, name=name, role=role, password_hash=hash_password("x" * 20))
        secret = create_token(s, name=name, label="test").secret
    return {"Authorization": f"Bearer {secret}", "accept": "application/json"}


def test_visits_check_report_and_projects_over_the_api(client: TestClient, store: Store) -> None:
    with store.session() as s:
        load_standards(s, CHECKLIST)
    bob = _bearer(store, "bob", "analyst")
    carol = _bearer(store, "carol", "agent")
    sam = _bearer(store, "sam", "shopper")  # mystery shoppers record visits
    assert (
        client.get("/api/v1/standards", headers={"accept": "application/json"}).status_code == 401
    )
    listed = client.get("/api/v1/standards", headers=carol).json()
    assert listed[0]["code"] == "GREET" and listed[0]["owner"] == "Store"
    for i in range(40):
        month = 1 if i < 20 else 3
        met = i % 20 >= (10 if month == 1 else 1)
        r = client.post(
            "/api/v1/shopping/visits",
            json={
                "visited_at": f"2026-0{month}-{1 + i % 20:02d}T10:00:00+00:00",
                "stage": "sale",
                "location": "Shop 1",
                "team": "East",
                "answers": {"GREET": met},
            },
            headers=sam,
        )
        assert r.status_code == 201, r.text
    bad = client.post(
        "/api/v1/shopping/visits",
        json={"visited_at": "2026-01-01T10:00:00", "stage": "sale", "location": "S",
              "answers": {"NOPE": True}},
        headers=sam,
    )  # fmt: skip
    assert bad.status_code == 422 and "NOPE" in bad.json()["message"]
    assert client.post("/api/v1/standards/check", headers=carol).status_code == 403
    check = client.post("/api/v1/standards/check", headers=bob).json()
    assert (check["opportunities"], check["defects"]) == (40, 11)
    # The report covers the whole company: an agent (team scope) may not read it.
    assert client.get("/api/v1/standards/report?by=stage", headers=carol).status_code == 403
    rep = client.get("/api/v1/standards/report?by=stage", headers=bob).json()
    assert rep["groups"][0]["stage"] == "sale" and rep["groups"][0]["dpmo"] == 275_000
    assert rep["groups"][0]["yield"] == pytest.approx(0.725)
    assert rep["promise_vs_delivery"][0]["flagged"] is True
    short = client.get("/api/v1/standards/GREET/chart", headers=bob)
    assert short.status_code == 422 and "at least 12 base points" in short.json()["message"]
    chart = client.get("/api/v1/standards/GREET/chart?base=2", headers=bob)
    assert chart.status_code == 422  # 2 months: still below the minimum
    with store.session() as s:
        create_project(
            s,
            ProjectSpec(
                name="Greeting", team="East", problem_kind="standard", problem_ref="GREET",
                metric="defect_rate", test="two_proportion",
                baseline_start=date(2026, 1, 1), baseline_end=date(2026, 1, 31),
                after_start=date(2026, 3, 1), after_end=date(2026, 3, 31),
            ),
        )  # fmt: skip
        set_phase(s, "Greeting", "improve")
    closed = client.post("/api/v1/projects/Greeting/close", headers=bob).json()
    assert closed["improved"] is True and closed["baseline"] == pytest.approx(0.5)
    league = client.get("/api/v1/projects/league", headers=bob).json()
    assert league[0]["team"] == "East" and league[0]["improved"] == 1
    assert client.get("/api/v1/projects", headers=bob).json()[0]["status"] == "improved"
