"""Competitors: churn, won-by-competitor and share of wallet per competitor; a competitor
with too few customers is suppressed, not shown as measured."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cxm.customers.codes import ChurnReason
from cxm.management.competitors import by_competitor
from cxm.store import Store
from tests.management_factories import add_customer


def _company(store: Store) -> None:
    for i in range(40):  # A: half lost, to A itself
        lost = i < 20
        add_customer(
            store,
            f"A{i}",
            profit=10.0,
            attributes={"competitors_used": ["A"], "share_of_wallet": 0.3}
            | ({"left_for": "A"} if lost else {}),
            churned_on=date(2025, 9, 1) if lost else None,
            reason=ChurnReason.WON_BY_COMPETITOR if lost else None,
        )
    for i in range(40):  # B: one in ten lost, for other reasons
        add_customer(
            store,
            f"B{i}",
            profit=10.0,
            attributes={"competitors_used": ["B"], "share_of_wallet": 0.7},
            churned_on=date(2025, 9, 1) if i < 4 else None,
            reason=ChurnReason.MOVED_AWAY if i < 4 else None,
        )
    for i in range(5):
        add_customer(store, f"C{i}", profit=10.0, attributes={"competitors_used": ["C"]})


def test_churn_and_wallet_share_by_competitor(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _company(store)
    with store.session() as s:
        table = by_competitor(s).table.set_index("competitor")
    assert table.loc["A", "churn_rate"] == pytest.approx(0.5)
    assert table.loc["A", "won_by_competitor"] == 20 and table.loc["A", "left_for"] == 20
    assert table.loc["B", "churn_rate"] == pytest.approx(0.1)
    assert table.loc["B", "share_of_wallet"] == pytest.approx(0.7)
    assert table.loc["A", "ci_low"] < 0.5 < table.loc["A", "ci_high"]
    assert table.loc["C", "status"] == "too few" and table["churn_rate"].isna()["C"]
    assert table.loc["(all customers)", "customers"] == 85
    out = json.loads(cxm("competitors", "--json").stdout)
    assert [c["competitor"] for c in out["competitors"]] == ["(all customers)", "A", "B", "C"]
