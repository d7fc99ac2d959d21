"""The text API through the real app (SQLite and PostgreSQL): analysts only, names from the
customer file masked, texts from the store analysed into "what customers say"."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from cxm.accounts import create_token, create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.store import Store
from cxm.text.models import TextEntry
from cxm.web.app import create_app
from tests.management_factories import add_customer

with warnings.catch_warnings():
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


def _name(store: Store, customer_id: int, name: str) -> None:
    with store.session() as s:
        s.scalars(select(Customer).where(Customer.id == customer_id)).one().name = name


def test_analysts_analyse_texts_with_customer_names_masked(
    client: TestClient, store: Store
) -> None:
    _name(store, add_customer(store, "C1"), "王小明")
    bob = _bearer(store, "bob", "analyst")
    carol = _bearer(store, "carol", "agent")
    body = {"texts": ["王小明说客服来回踢皮球，电话13812345678", "Great service, thanks!", ""]}
    assert client.post("/api/v1/text/analyze", json=body, headers=carol).status_code == 403
    r = client.post("/api/v1/text/analyze", json=body, headers=bob)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert rows[0]["text"] == "[NAME]说客服来回踢皮球,电话[PHONE]"
    assert rows[0]["faults"] == ["runaround"] and rows[0]["sentiment_label"] == "negative"
    assert rows[1]["language"] == "en" and rows[1]["sentiment_label"] == "positive"
    assert rows[2]["note"] == "empty" and rows[2]["sentiment"] is None
    assert r.json()["overview"]["sentiment"]["model_metrics"]["heldout"]["accuracy"] > 0.8
    bad = client.post("/api/v1/text/analyze", json={"texts": ["x"], "lang": "fr"}, headers=bob)
    assert bad.status_code == 422


def test_entries_are_saved_with_their_coding_and_reported(client: TestClient, store: Store) -> None:
    bob = _bearer(store, "bob", "analyst")
    ids = [
        add_customer(store, f"C{i}", churned_on=date(2026, 1, 1) if i % 2 else None)
        for i in range(40)
    ]
    entries = [
        {
            "source": "complaint_log",
            "customer_id": cid,
            "text": "转了三个部门没人管，排队等了两个小时" if i % 2 else "安装师傅很准时，谢谢",
            "staff_labels": ["runaround"] if i % 2 else None,
        }
        for i, cid in enumerate(ids)
    ]
    r = client.post("/api/v1/text/entries", json={"entries": entries}, headers=bob)
    assert r.status_code == 201 and r.json() == {"added": 40}
    with store.session() as s:
        coded = s.scalars(select(TextEntry).where(TextEntry.staff_labels.is_not(None))).all()
        assert len(coded) == 20 and coded[0].coded_by == "bob"
        first = coded[0].id
    bad = client.post(
        "/api/v1/text/entries",
        json={"entries": [{"source": "case", "text": "x", "staff_labels": ["grumpy"]}]},
        headers=bob,
    )
    assert bad.status_code == 422 and "grumpy" in bad.json()["message"]
    put = client.put(
        f"/api/v1/text/entries/{first}/labels", json={"labels": ["angry", "runaround"]}, headers=bob
    )
    assert put.status_code == 200 and put.json() == {
        "id": first,
        "labels": ["angry", "runaround"],
        "coded_by": "bob",
    }
    assert (
        client.put(
            "/api/v1/text/entries/999999/labels", json={"labels": []}, headers=bob
        ).status_code
        == 404
    )
    report = client.get("/api/v1/text/what-customers-say", headers=bob)
    assert report.status_code == 200, report.text
    doc = report.json()
    assert doc["sources"] == {"complaint_log": 40}
    assert doc["overview"]["analysed"] == 40
    waiting = next(f for f in doc["fault_share"] if f["fault"] == "indifference")
    assert waiting["churned_mentions"] == 20 and waiting["retained_mentions"] == 0
    assert doc["quotes"]["process.waiting"]
