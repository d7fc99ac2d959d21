"""The customer pages: search by id, name, phone and e-mail within the viewer's scope; the
customer 360 with its next best action; contact edits checked in place and audited; money
only for those who may see it. Runs on SQLite and PostgreSQL through the real app."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from cxm.audit.models import AuditEntry
from cxm.customers.models import Customer, Purchase
from tests.org_factories import STAFF, assign_customers, build_org
from tests.staff.conftest import bearer


@pytest.fixture
def staff(store, tmp_path, password_hash, survey) -> dict[str, dict[str, str]]:
    build_org(store, tmp_path, password_hash)
    assign_customers(store, tmp_path)
    today = date.today()
    with store.session() as s:
        c0 = s.scalar(select(Customer).where(Customer.external_id == "C0"))
        assert c0 is not None
        c0.name, c0.phone = "王小明", "13800000000"
        c0.attributes = {"preferences": ["微信联系"], "life_events": []}
        # A buyer every 30 days whose cycle is due now: the renewal signal.
        for k in range(1, 8):
            s.add(
                Purchase(
                    external_id=f"P{k}",
                    customer_id=c0.id,
                    purchased_on=today - timedelta(days=30 * k),
                    product="茶叶",
                    quantity=Decimal(1),
                    revenue=Decimal("120.00"),
                    cost=Decimal("70.00"),
                )
            )
    return {name: bearer(store, name) for name in STAFF}


def _id(store, external: str) -> int:
    with store.session() as s:
        found = s.scalar(select(Customer.id).where(Customer.external_id == external))
    assert found is not None
    return int(found)


@pytest.mark.parametrize("query", ["C0", "王小", "13800000000", "c0@example.com", "C0@EXAMPLE.COM"])
def test_it_finds_a_customer_by_id_name_phone_or_email(client, staff, query) -> None:
    r = client.get("/staff/customers", params={"q": query}, headers=staff["alice"])
    assert r.status_code == 200, r.text[:300]
    assert "王小明" in r.text


def test_an_agent_finds_only_the_customers_of_their_team(client, staff) -> None:
    mine = client.get("/staff/customers", params={"q": "C0"}, headers=staff["carol"])
    other = client.get("/staff/customers", params={"q": "C3"}, headers=staff["carol"])
    assert "王小明" in mine.text
    assert "Kunde 3" not in other.text and 'id="no-hits"' in other.text


def test_the_360_shows_the_next_best_action_and_why(client, store, staff) -> None:
    r = client.get(f"/staff/customers/{_id(store, 'C0')}?lang=zh-CN", headers=staff["alice"])
    assert r.status_code == 200, r.text[:500]
    assert "下一步最佳行动" in r.text
    assert "茶叶" in r.text  # the renewal of what they buy most, with the reason
    assert "¥" in r.text  # an admin sees money


def test_an_agent_sees_no_money_and_no_customer_outside_scope(client, store, staff) -> None:
    own = client.get(f"/staff/customers/{_id(store, 'C0')}", headers=staff["carol"])
    assert own.status_code == 200
    assert "Revenue ¥" not in own.text and "profit ¥" not in own.text
    outside = client.get(f"/staff/customers/{_id(store, 'C3')}", headers=staff["carol"])
    assert outside.status_code == 404


def test_a_bad_email_is_shown_in_place_and_nothing_changes(client, store, staff) -> None:
    cid = _id(store, "C0")
    r = client.post(
        f"/staff/customers/{cid}/contact",
        data={"name": "王小明", "phone": "13800000000", "email": "not-an-address"},
        headers=staff["alice"],
    )
    assert r.status_code == 422
    assert 'id="e-email"' in r.text and "not an e-mail address" in r.text
    with store.session() as s:
        assert s.get(Customer, cid).email == "c0@example.com"


def test_a_contact_edit_is_saved_and_audited_without_the_values(client, store, staff) -> None:
    cid = _id(store, "C0")
    r = client.post(
        f"/staff/customers/{cid}/contact",
        data={
            "name": "王小明",
            "phone": "+86 139 0000 0000",
            "email": "wang@example.cn",
            "preferences": "微信联系\n周末送货",
        },
        headers=staff["alice"],
        follow_redirects=False,
    )
    assert r.status_code == 303
    with store.session() as s:
        c = s.get(Customer, cid)
        assert (c.phone, c.email) == ("+86 139 0000 0000", "wang@example.cn")
        assert c.attributes["preferences"] == ["微信联系", "周末送货"]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "customer")).one()
        assert entry.after == {"fields": ["phone", "email", "preferences"]}
        assert "wang@example.cn" not in str(entry.after)
    page = client.get(r.headers["location"], headers=staff["alice"])
    assert "Saved: Phone, E-mail, Preferences." in page.text


def test_the_name_limit_applies_after_the_scope(store, staff) -> None:
    """dave serves C3 and C4: his first hit for "Kunde" is Kunde 3, not an empty page
    because Kunde 0 (not his) came first by name."""
    from cxm.accounts.models import StaffUser
    from cxm.accounts.permissions import Capability
    from cxm.cases.customer_search import search_customers
    from cxm.web.permissions import grant_for

    with store.session() as s:
        dave = s.scalar(select(StaffUser).where(StaffUser.name == "dave"))
        grant = grant_for(s, dave, Capability.SEE_PERSONAL_DATA)
        hits = search_customers(s, "Kunde", user_id=dave.id, team_ids=grant.team_ids, limit=1)
    assert [h.external_id for h in hits] == ["C3"]
