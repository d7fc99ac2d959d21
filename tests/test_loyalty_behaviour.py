"""Loyalty as behaviour: the satisfaction–loyalty curve and silent defectors on a planted
effect (recovered within its interval) and on none (nothing found); repurchase,
cross-buying and referrals per segment from the store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import update

from cxm.analytics.loyalty_behaviour import satisfaction_loyalty_curve, silent_defectors
from cxm.errors import InputError
from cxm.management.loyalty_behaviour import (
    behaviour_by_segment,
    loyalty_curve,
    silent_defector_list,
)
from cxm.store import Store
from tests.management_factories import DRIVER_SURVEY, add_customer, add_purchase


def _answers(rng: np.random.Generator, n: int, rates: dict[int, float]) -> pd.DataFrame:
    level = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.05, 0.1, 0.2, 0.35, 0.3])
    came_back = rng.random(n) < np.vectorize(rates.get)(level)
    spend = np.where(came_back, rng.gamma(4, 25, n), 0.0)
    return pd.DataFrame({"sat": level, "repurchased": came_back.astype(int), "spend_after": spend})


def test_the_curve_recovers_a_planted_top_box_effect() -> None:
    # Only the very satisfied come back: 60 % against 25 % for "satisfied" (and below).
    data = _answers(np.random.default_rng(4), 4000, {1: 0.1, 2: 0.2, 3: 0.25, 4: 0.25, 5: 0.6})
    curve, contrast = satisfaction_loyalty_curve(data, "sat")
    assert curve["level"].tolist() == [1, 2, 3, 4, 5]
    assert contrast["top_box"] == 5 and contrast["satisfied"] == 4
    assert contrast["ci_low"] <= 0.35 <= contrast["ci_high"]
    assert contrast["p_value"] < 1e-6 and contrast["spend_p_value"] < 1e-6
    row = curve.set_index("level").loc[5]
    assert row["ci_low"] <= 0.6 <= row["ci_high"]


def test_the_curve_finds_nothing_where_there_is_nothing() -> None:
    data = _answers(np.random.default_rng(9), 4000, dict.fromkeys(range(1, 6), 0.3))
    _curve, contrast = satisfaction_loyalty_curve(data, "sat")
    assert contrast["ci_low"] <= 0 <= contrast["ci_high"]
    assert contrast["p_value"] > 0.05


def test_silent_defectors_are_found_when_planted_and_not_otherwise() -> None:
    rng = np.random.default_rng(1)
    n = 1000
    before = rng.gamma(5, 20, n)
    data = pd.DataFrame({"sat": rng.choice([4, 5], n), "spend_before": before})
    defect = rng.random(n) < 0.2
    data["spend_after"] = np.where(defect, before * 0.3, before * rng.uniform(0.8, 1.2, n))
    found = silent_defectors(data, "sat")
    assert found.found == int(defect.sum())
    assert found.ci_low <= 0.2 <= found.ci_high
    assert (found.table["why"] == "spend fell").all()
    steady = data.assign(spend_after=before * rng.uniform(0.8, 1.2, n))
    assert silent_defectors(steady, "sat").found == 0
    with pytest.raises(InputError, match="between 0 and 1"):
        silent_defectors(data, "sat", drop=50)


def _company_with_answers(store: Store) -> None:
    """60 customers answered OVERALL on 2025-01-01 (20 each at 3, 4, 5) after buying for 100
    in 2024-08. After the answer all very satisfied buy again, one in four of the satisfied,
    none of the level 3. Customer 0 referred 3 others; some buy two products."""
    from cxm.surveys.models import Response
    from cxm.surveys.responses import save_page
    from tests.survey_factories import wave_with_links

    _wave, tokens = wave_with_links(store, customers=60, definition=DRIVER_SURVEY)
    from cxm.surveys.invitations import resolve_link

    with store.session() as s:
        for i, token in enumerate(tokens):
            level = 3 + i % 3
            inv = resolve_link(s, token=token)
            save_page(
                s, token=token, page=0, raw={"STAFF": "3", "PRODUCT": "3", "OVERALL": str(level)}
            )
            add_purchase(s, inv.customer_id, f"B{i}", 50.0, date(2024, 8, 1))
            if level == 5 or (level == 4 and i % 12 == 1):
                add_purchase(s, inv.customer_id, f"A{i}", 50.0, date(2025, 3, 1))
        s.execute(update(Response).values(completed_at=datetime(2025, 1, 1, 12, tzinfo=UTC)))
    last = add_customer(store, "late", profit=10.0, bought_on=date(2026, 3, 1))
    del last


def test_the_store_gives_the_curve_and_the_silent_defectors(store: Store) -> None:
    _company_with_answers(store)
    with store.session() as s:
        curve, contrast = loyalty_curve(s, item="OVERALL", min_n=5, window_days=365)
        assert curve.set_index("level")["repurchase_rate"].to_dict() == pytest.approx(
            {3.0: 0.0, 4.0: 0.25, 5.0: 1.0}
        )
        assert contrast["difference"] == pytest.approx(0.75)
        assert contrast["ci_low"] > 0.4
        found = silent_defector_list(s, item="OVERALL", window_days=365)
        # The satisfied (4) who did not come back: 15 of 20; the very satisfied all did.
        assert found.satisfied == 40 and found.found == 15
        assert set(found.table["OVERALL"]) == {4}
        with pytest.raises(InputError, match="is 365 days older"):
            loyalty_curve(s, item="OVERALL", as_of="2025-06-01", window_days=365)


def test_repurchase_cross_buying_and_referrals_per_segment(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    ids = [add_customer(store, f"R{i}", acquired_on=None) for i in range(40)]
    from cxm.customers.models import Customer

    with store.session() as s:
        for i, cid in enumerate(ids):
            add_purchase(s, cid, f"R{i}-1", 10.0, date(2025, 3, 1))
            if i % 2 == 0:  # half buy again, a quarter a second product
                add_purchase(s, cid, f"R{i}-2", 10.0, date(2025, 6, 1))
            if i % 4 == 0:
                s.execute(
                    update(Customer)
                    .where(Customer.id == cid)
                    .values(attributes={"share_of_wallet": 0.4})
                )
        for i in (1, 2, 3):
            s.execute(
                update(Customer)
                .where(Customer.id == ids[i])
                .values(attributes={"referred_by": "R0"})
            )
    from cxm.customers.models import Purchase

    with store.session() as s:
        s.execute(
            update(Purchase).where(Purchase.external_id.like("R%0-2")).values(product="gadget")
        )
        s.execute(
            update(Purchase).where(Purchase.external_id.like("R%4-2")).values(product="gadget")
        )
        s.execute(
            update(Purchase).where(Purchase.external_id.like("R%8-2")).values(product="gadget")
        )
        s.execute(
            update(Purchase).where(Purchase.external_id.like("R%2-2")).values(product="gadget")
        )
        s.execute(
            update(Purchase).where(Purchase.external_id.like("R%6-2")).values(product="gadget")
        )
    with store.session() as s:
        table = behaviour_by_segment(s, min_n=30).table.iloc[0]
    assert table["customers"] == 40
    assert table["repurchase_rate"] == pytest.approx(0.5)
    assert table["cross_buying_rate"] == pytest.approx(0.5)
    assert table["referrals"] == 3 and table["referral_rate"] == pytest.approx(1 / 40)
    assert table["share_of_wallet"] == pytest.approx(0.4) and table["wallet_n"] == 10
    out = json.loads(cxm("loyalty", "behaviour", "--json").stdout)
    assert out["segments"][0]["repurchase_rate"] == pytest.approx(0.5)
    assert out["quality"] == []
    few = json.loads(cxm("loyalty", "behaviour", "--json", "--window-days", "60").stdout)
    assert few["segments"][0]["customers"] == 20
    assert few["quality"][0]["check"] == "group_size"


def test_the_curve_is_the_same_in_the_cli_and_the_report_data(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    from cxm.jsonable import to_jsonable
    from cxm.reports.context import ReportContext
    from cxm.reports.sections.loyalty import _behaviour

    _company_with_answers(store)
    out = cxm("loyalty", "curve", "--item", "OVERALL", "--json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["contrast"]["difference"] == pytest.approx(0.75)
    shown = to_jsonable(_behaviour(ReportContext(store=store, min_n=30), "OVERALL"))
    assert shown["curve"] == doc["curve"]
    assert shown["contrast"]["difference"] == doc["contrast"]["difference"]
    human = cxm("loyalty", "curve", "--item", "OVERALL")
    assert "Very satisfied (5): 100% came back; satisfied (4): 25%" in human.stdout
