"""``cxm customers show ID``: one customer's whole file, on the demo company."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from cxm.customers.models import Purchase
from cxm.customers.profile import customer_file
from cxm.demo import STEPS, run_demo
from cxm.errors import NotFound
from cxm.store import Store

COMPANY = tuple(s for s in STEPS if s.name == "company")


@pytest.fixture
def demo_store(store: Store) -> Store:
    run_demo(store, customers=120, seed=8, steps=COMPANY)
    return store


def _busiest_customer(store: Store) -> str:
    """The external id of a customer with purchases (the demo has some with none)."""
    from cxm.customers.models import Customer

    with store.engine.connect() as conn:
        return str(
            conn.execute(
                select(Customer.external_id)
                .join(Purchase, Purchase.customer_id == Customer.id)
                .group_by(Customer.external_id)
                .order_by(func.count().desc(), Customer.external_id)
                .limit(1)
            ).scalar_one()
        )


def test_the_file_sums_the_customers_purchases(demo_store: Store) -> None:
    key = _busiest_customer(demo_store)
    cf = customer_file(demo_store, key, recent_touchpoints=5)
    with demo_store.engine.connect() as conn:
        n, revenue = conn.execute(
            select(func.count(), func.sum(Purchase.revenue))
            .join(Purchase.customer)
            .where(Purchase.customer.has(external_id=key))
        ).one()
    assert cf.profile["external_id"] == key
    assert cf.purchases.count == n
    assert cf.purchases.revenue == pytest.approx(float(revenue), abs=0.01)
    assert cf.purchases.first is not None and cf.purchases.first <= cf.purchases.last
    assert sum(p.purchases for p in cf.purchases.top_products) <= n
    times = [t.occurred_at for t in cf.touchpoints]
    assert len(times) <= 5 and times == sorted(times, reverse=True)
    assert cf.touchpoints_total == sum(cf.touchpoints_by_stage.values())
    assert {"preferences", "family", "hobbies", "life_events", "competitors_used"} <= set(
        cf.attributes
    )


def test_show_prints_the_file_for_a_person(demo_store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    key = _busiest_customer(demo_store)
    r = cxm("customers", "show", key)
    assert r.exit_code == 0, r.stderr
    for text in (f"Customer file: {key}", "Preferences", "Top products", "Recent touchpoints"):
        assert text in r.stdout


def test_show_speaks_chinese(demo_store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    r = cxm("customers", "show", "C000001", lang="zh-CN")
    assert r.exit_code == 0, r.stderr
    assert "客户档案：C000001" in r.stdout
    assert "偏好" in r.stdout


def test_show_json_holds_every_section(demo_store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    key = _busiest_customer(demo_store)
    r = cxm("customers", "show", key, "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"profile", "attributes", "purchases", "touchpoints", "sections"}
    assert data["profile"]["external_id"] == key
    assert data["purchases"]["count"] > 0
    first = data["touchpoints"][0]
    assert {"occurred_at", "stage", "channel", "employee", "team"} <= set(first)


def test_an_unknown_id_gets_one_clear_line(demo_store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    r = cxm("customers", "show", "NOPE-404")
    assert r.exit_code == 1
    assert "No customer with id NOPE-404" in r.stderr
    assert "Traceback" not in r.stderr
    with pytest.raises(NotFound):
        customer_file(demo_store, "NOPE-404")


def recent_answers(session: object, customer_id: int) -> list[dict[str, object]]:
    """A further section as another area would add it (here: a fixed list of answers)."""
    return [{"wave": "2026-Q1", "csat": 4, "answered_on": date(2026, 2, 3)}]


def test_another_area_adds_a_section_with_one_line(
    demo_store: Store,
    cxm,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cxm.customers.profile as profile

    extra = (("Survey answers", "tests.test_customer_file_show:recent_answers"),)
    monkeypatch.setattr(profile, "EXTRA_SECTIONS", extra)
    cf = customer_file(demo_store, "C000002")
    assert cf.sections["Survey answers"][0]["csat"] == 4
    r = cxm("customers", "show", "C000002")
    assert r.exit_code == 0, r.stderr
    assert "Survey answers" in r.stdout and "2026-Q1" in r.stdout and "2026-02-03" in r.stdout
    data = json.loads(cxm("customers", "show", "C000002", "--json").stdout)
    assert data["sections"]["Survey answers"][0]["answered_on"] == "2026-02-03"


def test_the_file_shows_the_customers_survey_answers_and_segments(store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    """The sections the survey and management areas add: what the customer answered (newest
    first; overall satisfaction, recommend, comment) and their current segments."""
    from datetime import UTC, datetime

    from cxm.customers.models import Customer
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute
    from cxm.surveys.models import Invitation
    from cxm.surveys.recording import CompletedResponse, record_responses
    from tests.survey_factories import ONE_PAGE, wave_with_links

    wave_id, _tokens = wave_with_links(store, customers=2, definition=ONE_PAGE)
    with store.session() as s:
        inv_id, customer_id = s.execute(
            select(Invitation.id, Invitation.customer_id)
            .where(Invitation.wave_id == wave_id)
            .order_by(Invitation.id)
        ).first()  # type: ignore[misc]
        external = s.get_one(Customer, customer_id).external_id
        when = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        answers = {"SAT": 2, "NPS": 3}
        record_responses(s, items=[CompletedResponse(inv_id, answers, when)], source="test")
        rules = [{"name": "everyone", "conditions": []}]
        define_segments(s, name="all", kind="rule", parameters={"segments": rules})
    with store.session() as s:
        recompute(s, "all")

    cf = customer_file(store, external)
    (answer,) = cf.sections["Survey answers"]
    assert answer["survey"] == "2026 Q4"
    assert (answer["satisfaction"], answer["nps"]) == (2.0, 3.0)
    assert cf.sections["Segments"] == [
        {"definition": "all", "segment": "everyone", "since": cf.sections["Segments"][0]["since"]}
    ]
    r = cxm("customers", "show", external, lang="zh-CN")
    assert r.exit_code == 0, r.stderr
    assert "调查回答" in r.stdout and "2026-11-20" in r.stdout and "everyone" in r.stdout
