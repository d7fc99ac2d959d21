"""What the loop achieved, on constructed data with known answers.

SLA intervals are checked against statsmodels' Wilson interval; the Kaplan–Meier figures
against a direct lifelines fit of the same durations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.recovery import (
    complaint_groups,
    complaint_survival,
    fault_churn,
    loop_summary,
    sla_attainment,
    volumes,
)


def _cases(n: int, **columns: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "case_id": np.arange(1, n + 1),
        "customer_id": np.arange(1, n + 1),
        "type": "complaint",
        "status": "closed",
        "tier": "default",
        "handoffs": 0,
        "reopened": 0,
        "needed_supervisor": False,
        "emotion_in": "angry",
        "emotion_out": "happy",
        "faults": [["indifference"]] * n,
        "opened_at": pd.Timestamp("2025-01-01", tz="UTC"),
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_sla_attainment_matches_statsmodels_wilson() -> None:
    from statsmodels.stats.proportion import proportion_confint

    opened = pd.Timestamp("2025-01-01", tz="UTC")
    due = opened + pd.Timedelta(hours=24)
    done = [opened + pd.Timedelta(hours=h) for h in (1, 5, 23, 30, 40, 2, 3)] + [pd.NaT]
    cases = pd.DataFrame(
        {
            "tier": ["key"] * 4 + ["default"] * 4,
            "first_response_due": due,
            "first_response_at": done,
            "resolution_due": due + pd.Timedelta(hours=48),
            "resolved_at": done,
        }
    )
    out = sla_attainment(cases, now=opened + pd.Timedelta(days=10), by="tier")
    fr = out[out["clock"] == "first_response"].set_index("tier")
    # key: 3 of 4 met; default: 2 met of 4 decided (one overdue and never answered).
    assert fr.loc["key", "met"] == 3 and fr.loc["key", "cases"] == 4
    assert fr.loc["default", "met"] == 2 and fr.loc["default", "cases"] == 4
    lo, hi = proportion_confint(3, 4, alpha=0.05, method="wilson")
    assert fr.loc["key", "ci_low"] == pytest.approx(lo, rel=1e-12)
    assert fr.loc["key", "ci_high"] == pytest.approx(hi, rel=1e-12)
    # A running clock that may still be met is not counted.
    early = sla_attainment(cases, now=opened + pd.Timedelta(hours=12), by="tier")
    assert early.loc[early["clock"] == "first_response", "cases"].sum() == 7


def test_loop_summary_counts_first_contact_resolution_and_anger_turned() -> None:
    cases = _cases(
        6,
        handoffs=[0, 0, 1, 0, 2, 0],
        reopened=[0, 1, 0, 0, 0, 0],
        status=["closed"] * 5 + ["in_progress"],
        emotion_out=["happy", "angry", "happy", "disappointed", "happy", None],
    )
    followups = pd.DataFrame(
        {
            "case_id": [1, 2, 3],
            "round": 1,
            "answered_at": pd.Timestamp("2025-02-01"),
            "solved": [True, False, True],
            "handling_csat": [5, 2, 4],
            "recommend": [9, 3, 8],
        }
    )
    sm = loop_summary(cases, followups, pd.Series([100.0, 50.0]))
    assert sm.resolved == 5 and sm.open == 1
    assert sm.first_contact_resolution == pytest.approx(2 / 5)
    assert sm.followup_csat == pytest.approx(2 / 3)
    assert sm.anger_turned == pytest.approx(3 / 5)
    assert sm.recovery_cost == 150.0


def test_volumes_count_each_fault_of_a_case() -> None:
    cases = _cases(3, faults=[["coldness", "indifference"], ["indifference"], []])
    v = volumes(cases, "faults").set_index("faults")
    assert v.loc["indifference", "cases"] == 2 and v.loc["coldness", "cases"] == 1


def _planted(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers who complained on 2025-01-01 (first half of ids) or never; churn hazards
    planted per group: resolved well 0.0005/day, badly 0.004/day, never complained 0.001."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    half = n // 2
    fate = np.where(ids[:half] % 2 == 0, "well", "badly")
    cases = pd.DataFrame(
        {
            "case_id": ids[:half],
            "customer_id": ids[:half],
            "type": "complaint",
            "status": "closed",
            "opened_at": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )
    followups = pd.DataFrame(
        {
            "case_id": ids[:half],
            "round": 1,
            "answered_at": pd.Timestamp("2025-01-05"),
            "solved": fate == "well",
            "handling_csat": np.where(fate == "well", 5, 2),
        }
    )
    hazard = np.concatenate([np.where(fate == "well", 0.0005, 0.004), np.full(n - half, 0.001)])
    days = rng.exponential(1 / hazard)
    churned = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.floor(days), unit="D")
    customers = pd.DataFrame({"customer_id": ids, "churned_on": churned.where(days < 730, pd.NaT)})
    return customers, cases, followups


def test_the_recovery_paradox_is_tested_and_recovered_when_planted() -> None:
    from lifelines import KaplanMeierFitter

    customers, cases, followups = _planted(4000, seed=7)
    as_of = pd.Timestamp("2026-12-31")
    result = complaint_survival(customers, cases, followups, as_of=as_of)
    s = result.summary.set_index("group")
    assert list(result.summary["group"]) == ["resolved_well", "resolved_badly", "never_complained"]
    assert (
        s.loc["resolved_well", "S(365)"]
        > s.loc["never_complained", "S(365)"]
        > s.loc["resolved_badly", "S(365)"]
    )
    assert result.logrank_p < 1e-6
    # Same as lifelines fitted directly on the "resolved well" durations.
    groups = complaint_groups(customers, cases, followups)
    well = groups[groups["group"] == "resolved_well"]
    end = well["customer_id"].map(customers.set_index("customer_id")["churned_on"])
    event = end.notna() & (end <= as_of)
    dur = (end.where(event, as_of) - well["start"]).dt.days
    kmf = KaplanMeierFitter().fit(dur, event)
    assert s.loc["resolved_well", "S(365)"] == pytest.approx(
        float(kmf.survival_function_at_times(365).iloc[0]), rel=1e-12
    )
    # Planted: S(365) = P(floor(T) > 365) = exp(-0.0005 * 366), within 4 binomial SEs.
    planted = np.exp(-0.0005 * 366)
    se = np.sqrt(planted * (1 - planted) / s.loc["resolved_well", "customers"])
    assert abs(s.loc["resolved_well", "S(365)"] - planted) < 4 * se


def test_no_difference_is_found_where_none_was_planted() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    ids = np.arange(1, n + 1)
    cases = pd.DataFrame(
        {
            "case_id": ids[: n // 2],
            "customer_id": ids[: n // 2],
            "type": "complaint",
            "status": "closed",
            "opened_at": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )
    followups = pd.DataFrame(
        {
            "case_id": ids[: n // 2],
            "round": 1,
            "answered_at": pd.Timestamp("2025-01-02"),
            "solved": ids[: n // 2] % 2 == 0,
            "handling_csat": 5,
        }
    )
    days = rng.exponential(1000, n)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "churned_on": (
                pd.Timestamp("2025-01-01") + pd.to_timedelta(np.floor(days), unit="D")
            ).where(days < 700, pd.NaT),
        }
    )
    result = complaint_survival(customers, cases, followups, as_of=pd.Timestamp("2026-12-31"))
    assert result.logrank_p > 0.01


def test_customers_gone_before_the_landmark_are_left_out() -> None:
    customers = pd.DataFrame(
        {"customer_id": [1, 2, 3], "churned_on": [pd.NaT, pd.Timestamp("2024-06-01"), pd.NaT]}
    )
    cases = pd.DataFrame(
        {
            "case_id": [10],
            "customer_id": [1],
            "type": ["complaint"],
            "status": ["in_progress"],
            "opened_at": [pd.Timestamp("2025-01-01", tz="UTC")],
        }
    )
    groups = complaint_groups(
        customers,
        cases,
        pd.DataFrame(columns=["case_id", "round", "answered_at", "solved", "handling_csat"]),
    )
    assert dict(zip(groups["customer_id"], groups["group"], strict=True)) == {
        1: "never_resolved",
        3: "never_complained",
    }


def test_fault_churn_shares() -> None:
    cases = _cases(
        4, faults=[["indifference"], ["indifference", "coldness"], ["coldness"], ["robotic"]]
    )
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "churned_on": [pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01"), pd.NaT, pd.NaT],
        }
    )
    out = fault_churn(cases, customers, as_of=pd.Timestamp("2025-12-31")).set_index("fault")
    assert (
        out.loc["indifference", "churned"] == 2
        and out.loc["indifference", "share_of_churned"] == 1.0
    )
    assert out.loc["coldness", "churn_share"] == pytest.approx(0.5)
    assert out.loc["robotic", "churned"] == 0
