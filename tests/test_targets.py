"""Per-segment targets: the proposal rule, scale checks, and actual vs target judged with
the uncertainty of each actual (a gap inside the CI is not a miss)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.targets import check_target, compare_to_targets, propose_targets, trend
from cxm.errors import InputError


def test_it_proposes_higher_targets_for_more_valuable_segments() -> None:
    seg = pd.DataFrame(
        {
            "segment": ["key", "mid", "rest"],
            "profit_per_customer": [1000.0, 300.0, 20.0],
            "cost_to_serve": [200.0, 100.0, 40.0],
        }
    )
    out = propose_targets(seg, kpi="csat", current=0.7).set_index("segment")
    assert out.loc["key", "target"] == pytest.approx(0.8)  # full headroom of 10 points
    assert out.loc["mid", "target"] == pytest.approx(0.7 + 0.1 * 200 / 800)
    assert out.loc["rest", "target"] == pytest.approx(0.7)  # net value negative → floor
    assert out["service_level"].tolist() == ["premium", "standard", "basic"]
    churn = propose_targets(seg, kpi="churn_rate", current=0.2).set_index("segment")
    assert churn.loc["key", "target"] == pytest.approx(0.15)  # lower is better


def test_a_proposal_near_the_top_of_the_scale_keeps_half_the_gap() -> None:
    """Nobody is asked for 100 % CSAT or zero churn: the default headroom is at most half
    the distance left to the end of the scale."""
    seg = pd.DataFrame({"segment": ["key", "rest"], "profit_per_customer": [500.0, 0.0]})
    csat = propose_targets(seg, kpi="csat", current=0.95).set_index("segment")
    assert csat.loc["key", "target"] == pytest.approx(0.975)
    assert csat.loc["rest", "target"] == pytest.approx(0.95)
    churn = propose_targets(seg, kpi="churn_rate", current=0.04).set_index("segment")
    assert churn.loc["key", "target"] == pytest.approx(0.02)
    explicit = propose_targets(seg, kpi="csat", current=0.95, headroom=0.2).set_index("segment")
    assert explicit.loc["key", "target"] == pytest.approx(1.0)  # asked for: kept on the scale


def test_it_rejects_targets_outside_the_scale() -> None:
    with pytest.raises(InputError, match="outside its scale"):
        check_target("csat", 1.2)
    with pytest.raises(InputError, match="outside its scale"):
        check_target("nps", -101)
    with pytest.raises(InputError, match="Unknown KPI"):
        check_target("happiness", 3)
    assert check_target("score100", 85) == 85.0


def test_a_gap_inside_the_interval_is_not_a_miss() -> None:
    actuals = pd.DataFrame(
        {
            "segment": ["a", "b", "c", "d", "e", "f"],
            "kpi": ["csat", "csat", "csat", "csat", "churn_rate", "csat"],
            "wave": [1] * 6,
            "value": [0.85, 0.78, 0.60, 0.90, 0.12, np.nan],
            "ci_low": [0.80, 0.72, 0.55, 0.70, 0.10, np.nan],
            "ci_high": [0.90, 0.83, 0.65, 0.98, 0.14, np.nan],
            "n": [300, 300, 300, 12, 500, 0],
        }
    )
    targets = pd.DataFrame(
        {
            "segment": list("abcdef"),
            "kpi": ["csat"] * 4 + ["churn_rate", "csat"],
            "target": [0.8, 0.8, 0.8, 0.8, 0.15, 0.8],
        }
    )
    out = compare_to_targets(actuals, targets).set_index("segment")["status"].to_dict()
    assert out == {
        "a": "met",
        "b": "within uncertainty",
        "c": "missed",
        "d": "too few answers",
        "e": "met",
        "f": "no data",
    }


def test_a_wave_specific_target_wins_over_the_general_one() -> None:
    actuals = pd.DataFrame(
        {
            "segment": ["a", "a"],
            "kpi": ["csat", "csat"],
            "wave": [1, 2],
            "value": [0.7, 0.7],
            "ci_low": [0.68, 0.68],
            "ci_high": [0.72, 0.72],
            "n": [900, 900],
        }
    )
    targets = pd.DataFrame(
        {"segment": ["a", "a"], "kpi": ["csat", "csat"], "wave": [None, 2], "target": [0.65, 0.75]}
    )
    out = compare_to_targets(actuals, targets)
    assert out["status"].tolist() == ["met", "missed"]


def test_trend_flags_changes_beyond_noise() -> None:
    actuals = pd.DataFrame(
        {
            "segment": ["a"] * 3,
            "kpi": ["csat"] * 3,
            "wave": [1, 2, 3],
            "value": [0.60, 0.62, 0.75],
            "ci_low": [0.55, 0.57, 0.70],
            "ci_high": [0.65, 0.67, 0.80],
        }
    )
    out = trend(actuals)
    assert out["significant"].tolist() == [False, False, True]
    assert out["slope"].iloc[0] == pytest.approx(np.polyfit([0, 1, 2], [0.60, 0.62, 0.75], 1)[0])
