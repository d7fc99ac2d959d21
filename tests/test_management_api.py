"""The management JSON API through the real app (SQLite and PostgreSQL): staff only, the
analyst role to define segments and set targets, JSON numbers the CLI also gives."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from cxm.accounts import create_token, create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from tests.management_factories import add_customer

with warnings.catch_warnings():  # starlette asks for httpx2, which is not packaged yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


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


def test_segments_and_targets_over_the_api(client: TestClient, store: Store) -> None:
    for i in range(1, 11):
        add_customer(store, f"C{i}", profit=float(i))
    bob = _bearer(store, "bob", "analyst")
    carol = _bearer(store, "carol", "agent")
    assert client.get("/api/v1/segments", headers={"accept": "application/json"}).status_code == 401
    body: dict[str, Any] = {"name": "value", "kind": "pareto", "parameters": {"cuts": [0.2]}}
    assert client.post("/api/v1/segments", json=body, headers=carol).status_code == 403
    assert client.post("/api/v1/segments", json=body, headers=bob).status_code == 201
    bad = client.post(
        "/api/v1/segments",
        json={"name": "v2", "kind": "pareto", "parameters": {"cuts": [0.5, 0.2]}},
        headers=bob,
    )
    assert bad.status_code == 422 and "increasing order" in bad.json()["message"]
    r = client.post("/api/v1/segments/value/recompute", headers=bob)
    assert r.status_code == 200, r.text
    key = next(s for s in r.json()["segments"] if s["segment"] == "key")
    assert key["customers"] == 2 and key["share_profit"] == pytest.approx(19 / 55)
    listed = client.get("/api/v1/segments", headers=carol).json()
    assert listed[0]["name"] == "value" and listed[0]["computed_at"]
    t = client.post(
        "/api/v1/segments/value/targets",
        json={
            "segment": "key",
            "kpi": "churn_rate",
            "value": 0.05,
            "service_level": "24h call-back",
        },
        headers=bob,
    )
    assert t.status_code == 201 and t.json()["set_by"] == "bob"
    out = client.post(
        "/api/v1/segments/value/targets",
        json={"segment": "key", "kpi": "csat", "value": 2},
        headers=bob,
    )
    assert out.status_code == 422 and "outside its scale" in out.json()["message"]
    targets = client.get("/api/v1/segments/value/targets", headers=carol).json()
    assert targets == [
        {
            "segment": "key",
            "kpi": "churn_rate",
            "wave_id": None,
            "period": None,
            "target": 0.05,
            "service_level": "24h call-back",
            "set_by": "bob",
            "set_at": targets[0]["set_at"],
            "proposed": None,  # set without a saved proposal: nothing overridden
            "override_reason": None,
        }
    ]
    missing = client.get("/api/v1/segments/nope", headers=bob)
    assert missing.status_code == 404
    # A segment's summary shows profit shares: agents lack see_money.
    assert client.get("/api/v1/segments/value", headers=carol).status_code == 403
