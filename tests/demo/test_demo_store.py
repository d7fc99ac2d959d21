"""``run_demo`` builds the demo company in a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import spearmanr
from sqlalchemy import func, select

from cxm.customers.models import Customer, Purchase, Team, Touchpoint
from cxm.demo import STEPS, DemoContext, DemoStep, StoreNotEmpty, run_demo, truth
from cxm.errors import InputError
from cxm.i18n import language
from cxm.store import Store

#: Only the company (the step this file is about): later steps have their own tests.
COMPANY = tuple(s for s in STEPS if s.name == "company")


def _count(store: Store, model: type) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_same_seed_builds_the_same_company(store: Store) -> None:
    first = run_demo(store, customers=400, seed=5, steps=COMPANY)
    again = run_demo(store, customers=400, seed=5, replace=True, steps=COMPANY)
    assert first == again
    other = run_demo(store, customers=400, seed=6, replace=True, steps=COMPANY)
    assert other != first


@pytest.mark.slow
def test_the_stored_company_shows_the_80_20_rule_and_poorer_teams_churn_more(
    store: Store,
) -> None:
    summary = run_demo(store, customers=3_000, seed=0, steps=COMPANY)
    assert summary.customers == 3_000
    assert 0.75 <= summary.top20_profit_share <= 0.85
    assert summary.unprofitable_customers > 0
    assert 0.15 <= summary.churned_share <= 0.20
    # Reasons are sampled from the firm's own split (53 % staff indifference), not copied
    # from the documents' benchmark (68 %): the report shows one beside the other.
    staff = summary.churn_reasons["staff_indifference"]
    assert staff["share"] == pytest.approx(0.53, abs=0.06) and staff["benchmark"] == 0.68
    assert summary.churn_reasons["died"]["benchmark"] == 0.01
    quality = dict(zip(*truth(0, 3_000).teams_frame().to_dict("list").values(), strict=True))
    rates = [(quality[t["team"]], t["churn_rate"]) for t in summary.teams]
    assert spearmanr(*zip(*rates, strict=True)).statistic < -0.7
    assert set(summary.touchpoints_by_stage) == {
        "pre_sale",
        "sale",
        "delivery",
        "after_sale",
        "complaint",
    }


def test_it_refuses_a_store_that_already_holds_customers(store: Store) -> None:
    run_demo(store, customers=200, seed=1, steps=COMPANY)
    before = _count(store, Purchase)
    with pytest.raises(StoreNotEmpty, match="--replace"):
        run_demo(store, customers=200, seed=2, steps=COMPANY)
    assert _count(store, Purchase) == before
    assert _count(store, Customer) == 200


def test_replace_deletes_all_data_first(store: Store) -> None:
    with store.session() as s:
        team = Team(name="外部团队")
        s.add(team)
        s.add(Customer(external_id="OUTSIDER", name="外部客户", acquired_on=date(2020, 1, 1)))
    run_demo(store, customers=200, seed=1, replace=True, steps=COMPANY)
    with store.engine.connect() as conn:
        ids = conn.execute(select(Customer.external_id)).scalars().all()
        teams = conn.execute(select(Team.name)).scalars().all()
    assert "OUTSIDER" not in ids
    assert "外部团队" not in teams
    assert len(ids) == 200
    assert _count(store, Touchpoint) > 200


def test_it_rejects_a_too_small_company(store: Store) -> None:
    with language("en"), pytest.raises(InputError, match="at least 50"):
        run_demo(store, customers=10, steps=COMPANY)
    assert _count(store, Customer) == 0


def test_a_step_appended_to_the_demo_runs_after_the_company_is_built(store: Store) -> None:
    seen: dict[str, object] = {}

    def count_customers(ctx: DemoContext) -> None:
        seen["ids"] = len(ctx.customer_ids)
        seen["stream"] = ctx.rng("example").integers(0, 1_000_000)
        ctx.results["example"] = {"customers_seen": len(ctx.customer_ids)}

    progress: list[tuple[str, float]] = []
    steps = (*COMPANY, DemoStep("example", lambda: "Example step", count_customers))
    summary = run_demo(
        store, customers=150, seed=3, steps=steps, progress=lambda *a: progress.append(a)
    )
    assert seen["ids"] == 150
    assert summary.steps == {"example": {"customers_seen": 150}}
    assert any(label == "Example step" for label, _ in progress)
    done = [d for _, d in progress]
    assert done == sorted(done) and done[-1] == 1.0


def test_the_hidden_truth_lines_up_with_the_stored_customers(store: Store) -> None:
    run_demo(store, customers=400, seed=12, steps=COMPANY)
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(Customer.external_id, Customer.status)).all())
    hidden = truth(12, 400).customers_frame()
    assert set(hidden["external_id"]) == set(stored)
    churned = hidden["external_id"].map(lambda e: str(stored[e]) == "churned")
    assert hidden.loc[churned, "satisfaction"].mean() < hidden.loc[~churned, "satisfaction"].mean()
