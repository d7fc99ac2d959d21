"""``/api/v1/cases`` over real HTTP on SQLite and PostgreSQL: an agent opens, hands over and
resolves; a stale version is 409; bad input is 4xx naming the field; analysts read the
loop's report."""

from __future__ import annotations

from typing import Any

from cxm.store import Store
from tests.staff.conftest import Survey, bearer

JSON = {"accept": "application/json"}


def test_an_agent_works_a_case_through_the_api(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    carol = {**JSON, **bearer(store, "carol")}
    r = client.post(
        "/api/v1/cases",
        headers=carol,
        json={
            "customer": "C1",
            "subject": "Parcel lost",
            "emotion": "afraid",
            "faults": ["passing_the_buck"],
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "new" and case["owner_user_id"] is not None
    cid = case["id"]
    r = client.post(
        f"/api/v1/cases/{cid}/actions", headers=carol, json={"action": "acknowledge", "version": 1}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.post(
        f"/api/v1/cases/{cid}/actions", headers=carol, json={"action": "start", "version": 1}
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["message"]
    r = client.post(
        f"/api/v1/cases/{cid}/notes",
        headers=carol,
        json={"note": "Called, parcel found", "contact": True},
    )
    assert r.status_code == 200
    r = client.post(
        f"/api/v1/cases/{cid}/resolve",
        headers=carol,
        json={
            "version": 2,
            "emotion_out": "happy",
            "recovery": [
                {"kind": "apology", "description": "Sorry"},
                {"kind": "compensation", "amount": "30.00", "compensation_kind": "voucher"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"
    detail = client.get(f"/api/v1/cases/{cid}", headers=carol).json()
    assert [e["kind"] for e in detail["history"]] == [
        "created",
        "status",
        "contact",
        "recovery",
        "recovery",
        "status",
    ]
    mine = client.get("/api/v1/cases?mine=true&status=resolved", headers=carol).json()
    assert [c["id"] for c in mine] == [cid]


def test_bad_input_is_a_4xx_naming_the_field(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    carol = {**JSON, **bearer(store, "carol")}
    for body, status, word in (
        ({"customer": "NOPE", "subject": "x"}, 404, "No customer"),
        ({"customer": "C1", "subject": "x", "emotion": "furious"}, 422, "emotion"),
        ({"customer": "C1", "subject": "x", "faults": ["rude"]}, 422, "faults"),
        ({"customer": "C1", "subject": ""}, 422, "subject"),
    ):
        r = client.post("/api/v1/cases", headers=carol, json=body)
        assert r.status_code == status and word in r.text, (body, r.text)
    assert client.get(f"/api/v1/cases/{2**40}", headers=carol).status_code == 422
    assert client.get("/api/v1/cases/-1", headers=carol).status_code == 422
    assert client.get("/api/v1/cases/999", headers=carol).status_code == 404
    cid = client.post(
        "/api/v1/cases", headers=carol, json={"customer": "C1", "subject": "x"}
    ).json()["id"]
    r = client.post(
        f"/api/v1/cases/{cid}/resolve",
        headers=carol,
        json={"version": 1, "recovery": [{"kind": "compensation", "amount": "-3"}]},
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/cases/{cid}/actions", headers=carol, json={"action": "close", "version": 1}
    )
    assert r.status_code == 422 and "cannot take the action close" in r.json()["message"]


def test_the_report_needs_an_analyst(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    carol = {**JSON, **bearer(store, "carol")}
    bob = {**JSON, **bearer(store, "bob")}
    client.post("/api/v1/cases", headers=carol, json={"customer": "C1", "subject": "x"})
    assert client.get("/api/v1/cases/report", headers=carol).status_code == 403
    r = client.get("/api/v1/cases/report", headers=bob)
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["cases"] == 1
