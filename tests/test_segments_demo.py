"""End to end on a small demo company (3,000 customers), from the CLI: key accounts ≈ 20 %
of customers with ≈ 80 % of profit; the reasons table matches the generator; the churn
model, the simulator and CLV run and print their figures."""

from __future__ import annotations

import json

import pytest

from cxm.demo.run import run_demo
from cxm.demo.steps import STEPS
from cxm.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(store: Store):  # type: ignore[no-untyped-def]
    company = [s for s in STEPS if s.name == "company"]
    return run_demo(store, customers=3000, seed=2024, steps=company)


def test_on_the_demo_company_from_the_cli(cxm, demo) -> None:  # type: ignore[no-untyped-def]
    """One demo build per database (it is the slow part); each block checks one promise."""
    _key_accounts_are_a_fifth_of_customers_with_four_fifths_of_profit(cxm, demo)
    _the_reasons_table_matches_the_generator(cxm, demo)
    _churn_model_simulator_and_clv_run_end_to_end(cxm)


def _key_accounts_are_a_fifth_of_customers_with_four_fifths_of_profit(cxm, demo) -> None:  # type: ignore[no-untyped-def]
    assert cxm("segments", "define", "value", "--kind", "pareto").exit_code == 0
    out = json.loads(cxm("segments", "recompute", "value", "--json").stdout)
    key = next(s for s in out["segments"] if s["segment"] == "key")
    assert key["share_customers"] == pytest.approx(0.2)
    assert key["share_profit"] == pytest.approx(0.8, abs=0.05)
    assert key["share_profit"] == pytest.approx(demo.top20_profit_share, abs=1e-3)


def _the_reasons_table_matches_the_generator(cxm, demo) -> None:  # type: ignore[no-untyped-def]
    r = cxm("churn", "report", "--json")
    assert r.exit_code == 0, r.stderr
    reasons = {row["reason"]: row for row in json.loads(r.stdout)["reasons"]}
    for code, truth in demo.churn_reasons.items():
        assert reasons[code]["customers"] == truth["count"]
        assert reasons[code]["benchmark_share"] == pytest.approx(truth["benchmark"])


def _churn_model_simulator_and_clv_run_end_to_end(cxm) -> None:  # type: ignore[no-untyped-def]
    risk = cxm("churn", "risk")
    assert risk.exit_code == 0, risk.stderr
    assert "Holdout AUC" in risk.stdout
    data = json.loads(cxm("churn", "risk", "--json", "--top", "10").stdout)
    assert 0.5 < data["auc"] <= 1 and len(data["at_risk"]) == 10
    assert sum(b["customers"] for b in data["reliability"]) == data["n_test"]
    sim = json.loads(cxm("retention", "simulate", "--segments", "value", "--json").stdout)
    assert {row["claim"] for row in sim["segments"]} <= {"holds", "below", "above"}
    clv = json.loads(cxm("clv", "--segments", "value", "--json").stdout)
    by = {row["segment"]: row for row in clv["segments"]}
    assert by["key"]["clv"] > by["other"]["clv"] > 0
    surv = json.loads(cxm("churn", "survival", "--segments", "value", "--json").stdout)
    assert surv["logrank_p"] < 0.05  # key accounts stay longer
    report = cxm("targets", "propose", "value", "--kpi", "churn_rate", "--save")
    assert report.exit_code == 0, report.stderr
    rows = json.loads(cxm("targets", "report", "value", "--json").stdout)["rows"]
    assert {r["status"] for r in rows} <= {"met", "missed", "within uncertainty"}
