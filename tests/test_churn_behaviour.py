"""Behavioural churn for non-contractual customers: silence longer than k × one's own gap,
or BG/NBD P(alive) below a threshold; as of a date within the data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.bgnbd import BetaGeoFitter, rfm_summary
from cxm.analytics.inactivity import inactivity_churn
from cxm.errors import InputError
from cxm.management.churn import churn_report, survival
from cxm.management.churn_rules import ChurnRule, customers_as_of
from cxm.store import Store
from tests.management_factories import add_customer, add_purchase

DAY0 = pd.Timestamp("2025-01-01")


def _log(days: dict[int, list[int]]) -> pd.DataFrame:
    rows = [(c, DAY0 + pd.Timedelta(days=d)) for c, ds in days.items() for d in ds]
    return pd.DataFrame(rows, columns=["customer_id", "purchased_on"])


def test_a_customer_is_lost_after_k_times_their_own_gap() -> None:
    # 1 buys every 10 days (last on day 40); 2 every 20 days (last on day 60); 3 once.
    log = _log({1: [0, 10, 20, 30, 40], 2: [0, 20, 40, 60], 3: [50]})
    found = inactivity_churn(log, as_of=DAY0 + pd.Timedelta(days=71), k=3)
    judged = found.table.set_index("customer_id")
    assert judged.loc[1, "mean_gap_days"] == 10 and judged.loc[1, "limit_days"] == 30
    assert bool(judged.loc[1, "churned"])  # silent 31 days > 30
    assert judged.loc[1, "churned_on"] == DAY0 + pd.Timedelta(days=70)
    assert not judged.loc[2, "churned"]  # silent 11 days, allowed 60
    # A one-time buyer gets the repeat buyers' median gap: 15 days, so 45 days of silence.
    assert found.median_gap_days == 15
    assert judged.loc[3, "gap_days"] == 15 and not judged.loc[3, "churned"]
    earlier = inactivity_churn(log, as_of=DAY0 + pd.Timedelta(days=69), k=3).table
    assert not earlier["churned"].any()
    later = inactivity_churn(log, as_of=DAY0 + pd.Timedelta(days=96), k=3).table
    later = later.set_index("customer_id")
    assert later["churned"].to_dict() == {1: True, 2: False, 3: True}
    assert later.loc[3, "churned_on"] == DAY0 + pd.Timedelta(days=95)


def test_purchases_after_the_date_are_not_seen() -> None:
    log = _log({1: [0, 10, 20, 30, 40, 80]})
    judged = inactivity_churn(log, as_of=DAY0 + pd.Timedelta(days=75), k=3).table
    assert judged["last_purchase"].iloc[0] == DAY0 + pd.Timedelta(days=40)
    assert bool(judged["churned"].iloc[0])


def test_p_alive_rule_dates_churn_where_p_alive_crosses_the_threshold() -> None:
    rng = np.random.default_rng(11)
    days: dict[int, list[int]] = {}
    for c in range(300):
        gap = int(rng.integers(5, 40))
        stop = int(rng.integers(20, 360))
        start = int(rng.integers(0, 60))
        days[c] = list(range(start, min(stop, 364), gap)) or [start]
    log = _log(days)
    as_of = DAY0 + pd.Timedelta(days=364)
    found = inactivity_churn(log, as_of=as_of, rule="p_alive", threshold=0.4)
    judged = found.table
    assert (judged["churned"] == (judged["p_alive"] < 0.4)).all()
    assert judged["churned"].any() and not judged["churned"].all()
    # P(alive) at the churn date is at (just under) the threshold.
    lost = judged[judged["churned"]].set_index("customer_id")
    summary = rfm_summary(log.assign(revenue=0.0), as_of=as_of).set_index("customer_id")
    bg = BetaGeoFitter().fit(summary["x"], summary["t_x"], summary["T"])
    assert found.bgnbd["bgnbd_r"] == pytest.approx(bg.params_["r"])
    s = summary.loc[lost.index]
    t_at = (lost["churned_on"] - lost["first_purchase"]).dt.days / 7
    inside = t_at.to_numpy() < s["T"].to_numpy()
    p_then = bg.probability_alive(s["x"], s["t_x"], t_at)[inside]
    p_before = bg.probability_alive(s["x"], s["t_x"], t_at - 1 / 7)[inside]
    assert (p_then < 0.4 + 1e-9).all() and (p_before >= 0.4 - 0.02).all()
    # One-time buyers are never lost under BG/NBD.
    assert not judged.loc[judged["purchase_days"] == 1, "churned"].any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "must be above 0"),
        ({"k": -2}, "must be above 0"),
        ({"threshold": 1.0}, "strictly between 0 and 1"),
        ({"rule": "vibes"}, "Unknown churn rule vibes"),
    ],
)
def test_it_refuses_a_bad_rule(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        inactivity_churn(_log({1: [0, 5]}), as_of=DAY0 + pd.Timedelta(days=9), **kwargs)  # type: ignore[arg-type]


def _purchase_only_company(store: Store) -> None:
    """40 customers buying every 30 days; the first 10 stop after 4 purchases; no churn dates
    and no acquisition dates in the file."""
    for i in range(40):
        cid = add_customer(store, f"C{i}", acquired_on=None, region="north" if i % 2 else "south")
        stop = 4 if i < 10 else 24
        with store.session() as s:
            for j in range(stop):
                add_purchase(s, cid, f"C{i}-{j}", 10.0, date(2024, 1, 1) + timedelta(days=30 * j))


def test_a_purchase_log_alone_gives_real_churn(store: Store) -> None:
    _purchase_only_company(store)
    with store.session() as s:
        customers, basis = customers_as_of(s)
        assert basis.churn_rule == "gap"
        assert basis.as_of == date(2024, 1, 1) + timedelta(days=30 * 23)
        lost = customers[customers["status"] == "churned"]
        assert sorted(lost["customer_id"]) == sorted(customers["customer_id"][:10])
        # Lost 90 days (3 × 30) after the last purchase on day 90.
        assert (lost["churned_on"] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=180)).all()
        assert customers["acquired_on"].notna().all()  # the first purchase stands in
        report = churn_report(s, freq="Q")
        rates = report.rates
        assert report.basis.churn_rule == "gap"
        assert rates["churned"].sum() == 10
        recorded = churn_report(s, freq="Q", rule=ChurnRule(rule="recorded")).rates
        assert recorded["churned"].sum() == 0
        summary = survival(s, by="segment").summary
        assert summary["churned"].sum() == 10
        assert summary["S(12)"].iloc[0] == pytest.approx(30 / 40)


def test_an_analysis_as_of_a_date_ignores_what_came_later(store: Store) -> None:
    _purchase_only_company(store)
    with store.session() as s:
        before, basis = customers_as_of(s, as_of="2024-06-01")
        assert basis.as_of == date(2024, 6, 1)
        assert (before["status"] == "churned").sum() == 0  # silent 62 days < 90
        pinned = churn_report(s, as_of="2025-06-01").rates
    cid = add_customer(store, "late", acquired_on=None)
    with store.session() as s:
        add_purchase(s, cid, "late-1", 10.0, date(2026, 1, 1))
    with store.session() as s:
        again = churn_report(s, as_of="2025-06-01").rates
        pd.testing.assert_frame_equal(pinned, again)
        moved = churn_report(s)
        assert moved.basis.as_of == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2023-12-31", "before the first data date 2024-01-01"),
        ("2030-01-01", "after the last data date 2025-11-21"),
        ("yesterday", "is not a date"),
    ],
)
def test_the_cli_refuses_a_date_outside_the_data(
    cxm, store: Store, as_of: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    _purchase_only_company(store)
    for command in (
        ("churn", "report"),
        ("churn", "survival"),
        ("report", "--json"),
    ):
        r = cxm(*command, "--as-of", as_of)
        assert r.exit_code == 1, (command, r.stdout)
        assert message in r.stderr, (command, r.stderr)


def test_the_cli_reports_behavioural_churn_and_its_rule(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _purchase_only_company(store)
    out = json.loads(cxm("churn", "report", "--json", "--as-of", "2025-06-01").stdout)
    assert out["as_of"] == "2025-06-01"
    assert out["churn_rule"] == {
        "churn_rule": "gap",
        "k": 3.0,
        "threshold": 0.5,
        "median_gap_days": 30.0,
    }
    assert sum(r["churned"] for r in out["rates"]) == 10
    human = cxm("churn", "report", "--k", "2")
    assert human.exit_code == 0, human.stderr
    assert "no purchase for 2 × the customer's own gap" in human.stdout
    bad = cxm("churn", "report", "--k", "0")
    assert bad.exit_code == 1 and "must be above 0" in bad.stderr
    rule = cxm("churn", "report", "--churn-rule", "whim")
    assert rule.exit_code == 1 and "Unknown churn rule whim" in rule.stderr


def _staggered_company(store: Store) -> None:
    """80 customers buying every 15 days from 2024-01-01 to day 705; 50 of them stop one by
    one (the last purchase before day 300 + 7 i)."""
    for i in range(80):
        cid = add_customer(store, f"S{i}", acquired_on=None)
        stop = 300 + 7 * i if i < 50 else 706
        with store.session() as s:
            for j, day in enumerate(range(i % 15, stop, 15)):
                add_purchase(
                    s, cid, f"S{i}-{j}", 10.0 + i % 7, date(2024, 1, 1) + timedelta(days=day)
                )


def test_a_saved_risk_model_scores_customers_again(cxm, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _staggered_company(store)
    path = tmp_path / "risk.skops"
    fitted = cxm("churn", "risk", "--horizon-days", "60", "--save", str(path), "--json")
    assert fitted.exit_code == 0, fitted.stderr
    first = json.loads(fitted.stdout)
    assert first["saved_to"] == str(path) and path.exists()
    scored = cxm("churn", "score", "--model", str(path), "--horizon-days", "60", "--json")
    assert scored.exit_code == 0, scored.stderr
    again = json.loads(scored.stdout)
    assert again["model_results"]["auc"] == pytest.approx(first["auc"])
    # The reloaded pipeline gives the same risks as the fit that saved it.
    assert [r["risk"] for r in again["at_risk"]] == pytest.approx(
        [r["risk"] for r in first["at_risk"]]
    )


def test_a_segment_below_the_minimum_is_flagged(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _purchase_only_company(store)
    with store.session() as s:
        report = churn_report(s, min_n=50)
    [flag] = report.quality
    assert flag["check"] == "group_size" and flag["estimate"] == "all"
    assert "only 30 customers" in flag["message"]  # at risk in the last year: 40 − 10 lost
    out = json.loads(cxm("churn", "report", "--json").stdout)
    assert out["quality"] == []  # 30 reach the default minimum of 30
