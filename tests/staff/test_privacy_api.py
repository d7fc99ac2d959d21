"""``/api/v1/privacy``: export and erase one customer, retention; admins only."""

from __future__ import annotations

from cxm.customers.models import Customer
from cxm.store import Store
from tests.staff.conftest import bearer


def test_an_admin_exports_then_erases_a_customer(client, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        s.add(Customer(external_id="P1", name="Li Lei", phone="13800001111", email="ll@x.test"))
    admin = {**bearer(store, "alice"), "accept": "application/json"}
    got = client.get("/api/v1/privacy/customers/P1", headers=admin)
    assert got.status_code == 200
    assert got.json()["customer"]["name"] == "Li Lei"
    erased = client.post("/api/v1/privacy/customers/P1/erase", headers=admin)
    assert erased.status_code == 200 and erased.json()["rows_masked"]["customers"] == 1
    assert client.get("/api/v1/privacy/customers/P1", headers=admin).status_code == 404
    due = client.get("/api/v1/privacy/retention", headers=admin)
    assert due.status_code == 200 and due.json() == {"applied": False, "days": {}, "due": {}}


def test_an_analyst_may_not(client, store: Store, users) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        s.add(Customer(external_id="P2", name="Han Meimei"))
    analyst = {**bearer(store, "bob"), "accept": "application/json"}
    assert client.get("/api/v1/privacy/customers/P2", headers=analyst).status_code == 403
    assert client.post("/api/v1/privacy/customers/P2/erase", headers=analyst).status_code == 403
    assert client.post("/api/v1/privacy/retention", headers=analyst).status_code == 403
