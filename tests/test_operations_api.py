"""The operations JSON API through the real app (SQLite and PostgreSQL): the journey and
service levels for analysts, changing service levels, jobs and the send log for admins."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from cxm.channels import Delivery, Message, SendOutcome, log_deliveries
from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from tests.test_management_api import _bearer

with warnings.catch_warnings():  # starlette asks for httpx2, which is not packaged yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(database_url: str, store: Store) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, env="test", secret_key="t" * 48)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as c:
        yield c


def test_the_journey_and_service_levels_over_the_api(client: TestClient, store: Store) -> None:
    alice = _bearer(store, "alice", "admin")
    bob = _bearer(store, "bob", "analyst")
    carol = _bearer(store, "carol", "agent")
    # The journey belongs to no team: an agent reads it too (it names the stages of cases).
    assert client.get("/api/v1/journey", headers=carol).status_code == 200
    j = client.get("/api/v1/journey", headers=bob)
    assert j.status_code == 200, j.text
    assert [s["code"] for s in j.json()["stages"]][:3] == ["awareness", "pre_sale", "sale"]
    body = {
        "key_account": True,
        "cost_to_serve": 480,
        "clocks": [
            {
                "case_type": "inquiry",
                "first_response_hours": 8,
                "resolution_hours": 48,
                "business_hours": True,
            }
        ],
        "standards": {"answer_phone_within_s": 20},
    }
    # Service levels are configuration (admins and analysts); an agent may not set one.
    assert client.put("/api/v1/service-levels/key", json=body, headers=carol).status_code == 403
    r = client.put("/api/v1/service-levels/key", json=body, headers=alice)
    assert r.status_code == 200, r.text
    assert r.json()["cost_to_serve"] == 480 and len(r.json()["clocks"]) == 2
    bad = dict(body, clocks=[{"case_type": "x", "first_response_hours": 9, "resolution_hours": 2}])
    refused = client.put("/api/v1/service-levels/key", json=bad, headers=alice)
    assert refused.status_code == 422 and "first response" in refused.json()["message"]
    listed = client.get("/api/v1/service-levels", headers=bob).json()
    assert [lv["name"] for lv in listed] == ["key"]


def test_jobs_and_the_send_log_are_for_admins(client: TestClient, store: Store) -> None:
    alice = _bearer(store, "alice", "admin")
    bob = _bearer(store, "bob", "analyst")
    job = {"name": "segments.recompute", "payload": {"name": "value"}, "key": "k"}
    assert client.post("/api/v1/jobs", json=job, headers=bob).status_code == 403
    first = client.post("/api/v1/jobs", json=job, headers=alice)
    again = client.post("/api/v1/jobs", json=job, headers=alice)
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    unknown = client.post("/api/v1/jobs", json={"name": "nope"}, headers=alice)
    assert unknown.status_code == 422 and "Unknown job nope" in unknown.json()["message"]
    listed = client.get("/api/v1/jobs?status=queued", headers=alice).json()
    assert [(j["name"], j["status"]) for j in listed] == [("segments.recompute", "queued")]
    with store.session() as s:
        log_deliveries(
            s,
            "sms",
            [Delivery(Message(to="138", text="x"), SendOutcome.REFUSED, "HTTP 400")],
            purpose="survey",
        )
    assert client.get("/api/v1/channels/sends", headers=bob).status_code == 403
    log = client.get("/api/v1/channels/sends", headers=alice).json()
    assert [(x["channel"], x["outcome"], x["detail"]) for x in log] == [
        ("sms", "refused", "HTTP 400")
    ]
