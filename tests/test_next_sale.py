"""Service and the next sale: after a very satisfying contact customers buy more, and from
other categories, than after a poor one (planted), and refer new customers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from cxm.customers.models import Customer
from cxm.management.next_sale import next_sale
from cxm.store import Store
from tests.management_factories import add_purchase


def _company(store: Store) -> None:
    """40 customers had a hotline call 4 days ago: 20 rated it 5 and 15 of them bought a new
    product ("gadget") 10 days later; 20 rated it 2 and 3 of them bought the old product
    again. Customer 0 referred two customers acquired a week after the call."""
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.moments import record_touchpoint
    from cxm.surveys.responses import save_page
    from tests.survey_factories import add_customers

    ids = add_customers(store, 42)
    when = datetime.now(UTC) - timedelta(days=4)
    day = when.date()
    with store.session() as s:
        for i, cid in enumerate(ids[:40]):
            add_purchase(s, cid, f"old-{i}", 10.0, day - timedelta(days=60))
            _tp, inv = record_touchpoint(
                s,
                customer_id=cid,
                external_id=f"call-{i}",
                occurred_at=when,
                stage="after_sale",
                channel="hotline",
            )
            assert inv is not None
            link = issue_links(s, invitation_ids=[inv])[inv]
            good = i < 20
            save_page(s, token=link, page=0, raw={"MOT_SAT": "5" if good else "2", "MOT_CES": "3"})
            if good and i < 15:
                add_purchase(s, cid, f"new-{i}", 30.0, day + timedelta(days=10))
            if not good and i < 23:
                add_purchase(s, cid, f"again-{i}", 10.0, day + timedelta(days=10))
        external = s.get(Customer, ids[0]).external_id  # type: ignore[union-attr]
        for cid in ids[40:]:
            s.execute(
                update(Customer)
                .where(Customer.id == cid)
                .values(attributes={"referred_by": external}, acquired_on=day + timedelta(days=7))
            )
    with store.session() as s:
        s.execute(
            update(Customer)
            .where(Customer.id.in_(ids[:40]))
            .values(acquired_on=day - timedelta(days=90))
        )


def test_a_good_contact_is_followed_by_more_and_new_sales(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update as _update

    from cxm.customers.models import Purchase

    _company(store)
    with store.session() as s:  # the planted purchases are products the customers never had
        s.execute(
            _update(Purchase).where(Purchase.external_id.like("new-%")).values(product="gadget")
        )
    with store.session() as s:
        table = next_sale(s, days=30, min_n=10).set_index("band")
    assert table.loc["5", "bought_rate"] == pytest.approx(0.75)
    assert table.loc["5", "new_category_rate"] == pytest.approx(0.75)
    assert table.loc["1–2", "bought_rate"] == pytest.approx(0.15)
    assert table.loc["1–2", "new_category_rate"] == 0
    assert table.loc["5", "ci_low"] > table.loc["1–2", "ci_high"]
    assert table.loc["5", "referrals"] == 2 and table.loc["1–2", "referrals"] == 0
    out = json.loads(cxm("next-sale", "--days", "30", "--min-n", "10", "--json").stdout)
    assert [b["band"] for b in out["bands"]] == ["1–2", "5"]


def test_the_next_sale_split_by_how_a_complaint_ended(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    """Customers 0–9 (who buy afterwards) complained and the follow-up says it was solved;
    customers 20–29 (who mostly do not) complained and say it was not; 10–19 and 30–39
    never complained. The purchases are planted 10 days after the call, so within 30 days
    of the follow-ups answered the day after the call."""
    from cxm.cases.followup import collect_answers, create_followup
    from cxm.cases.recovery import resolve_case
    from cxm.cases.service import open_case
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.responses import save_page

    _company(store)
    call = datetime.now(UTC) - timedelta(days=4)
    with store.session() as s:
        from sqlalchemy import select

        ids = list(s.scalars(select(Customer.id).order_by(Customer.id)))
        for i in (*range(10), *range(20, 30)):
            case, _new = open_case(
                s, customer=ids[i], type="complaint", subject=f"投诉 {i}", now=call
            )
            resolve_case(s, case_id=case.id, version=case.version, actor_user_id=None,
                         now=call + timedelta(hours=3))  # fmt: skip
            fu = create_followup(s, case=case, now=call + timedelta(hours=4))
            token = issue_links(s, invitation_ids=[fu.invitation_id])[fu.invitation_id]
            good = i < 10
            save_page(
                s,
                token=token,
                page=0,
                raw={"FU_SOLVED": "yes" if good else "no", "FU_CSAT": "5" if good else "2",
                     "FU_REC": "9"},
                now=call + timedelta(days=1),
            )  # fmt: skip
        collect_answers(s, now=call + timedelta(days=1, hours=1))
    with store.session() as s:
        table = next_sale(s, days=30, min_n=5, by="case").set_index("outcome")
    assert table.loc["resolved well", "contacts"] == 10
    assert table.loc["resolved well", "bought_rate"] == pytest.approx(1.0)
    # 20–22 bought again: 3 of 10
    assert table.loc["resolved badly", "bought_rate"] == pytest.approx(0.3)
    # never complained: 10–14 bought (5 of 10) and 30–39 did not (0 of 10)
    assert table.loc["never complained", "contacts"] == 20
    assert table.loc["never complained", "bought_rate"] == pytest.approx(0.25)
    out = cxm("next-sale", "--days", "30", "--min-n", "5", "--by", "case", "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {r["outcome"] for r in doc["outcomes"]} == {
        "resolved well", "resolved badly", "never complained",
    }  # fmt: skip
    bad = cxm("next-sale", "--by", "mood")
    assert bad.exit_code == 1 and "rating or case" in bad.stderr
