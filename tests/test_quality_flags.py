"""Honest figures: each weak estimate is flagged in words, on a constructed weak case, and a
strong one is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.churn_risk import ChurnRiskModel, time_holdout
from cxm.analytics.pls import PLSPM, result_document
from cxm.analytics.quality import auc_flags, group_flags, pls_flags, r2_flags
from cxm.errors import StatisticalWarning


def test_a_churn_model_on_noise_is_too_weak_to_act_on() -> None:
    rng = np.random.default_rng(7)
    n = 800
    frame = pd.DataFrame(
        {
            "snapshot": np.repeat(pd.to_datetime(["2024-01-01", "2025-01-01"]), n // 2),
            "noise": rng.normal(size=n),
            "churned": rng.integers(0, 2, n),
        }
    )
    train, test = time_holdout(frame)
    model = ChurnRiskModel(features=["noise"]).fit(train).evaluate(test)
    assert model.auc_ < 0.65
    [flag] = auc_flags(model.auc_)
    assert flag.check == "auc" and "too weak to act on" in flag.message
    assert f"{100 * model.auc_:.0f} %" in flag.message
    assert auc_flags(0.81) == [] and auc_flags(float("nan")) == []


def test_each_measurement_flag_fires_on_its_weak_case() -> None:
    doc = {
        "reliability": [
            {"construct": "Loyalty", "ave": 0.387, "rho_a": 1.496, "rho_c": 0.7},
            {"construct": "Image", "ave": 0.62, "rho_a": 0.81, "rho_c": 0.86},
        ],
        "loadings": [
            {"construct": "Loyalty", "indicator": "CUSL1", "estimate": 1.08},
            {"construct": "Loyalty", "indicator": "CUSL2", "estimate": -0.2},
            {"construct": "Image", "indicator": "IMAG1", "estimate": 0.8},
        ],
        "htmt": [
            {"construct_a": "Image", "construct_b": "Satisfaction", "htmt": 0.94},
            {"construct_a": "Image", "construct_b": "Loyalty", "htmt": 0.5},
        ],
        "r2": {"Loyalty": 0.06, "Satisfaction": 0.55},
    }
    flags = pls_flags(doc)
    got = {(f.check, f.estimate) for f in flags}
    assert got == {
        ("ave", "AVE Loyalty"),
        ("range", "ρA Loyalty"),
        ("range", "Loyalty ← CUSL1"),
        ("range", "Loyalty ← CUSL2"),
        ("htmt", "HTMT Image–Satisfaction"),
        ("r2", "Loyalty"),
    }
    ave = next(f for f in flags if f.check == "ave")
    assert "39 %" in ave.message and "too weak to act on" in ave.message


def test_r2_and_group_flags() -> None:
    [weak] = r2_flags(0.04, what="overall satisfaction")
    assert "4 %" in weak.message
    assert r2_flags({"a": 0.3}) == []
    flags = group_flags([("north", 12), ("south", 240)], min_n=30)
    assert [f.estimate for f in flags] == ["north"]
    assert "only 12 customers" in flags[0].message


def test_a_fitted_pls_model_carries_its_flags_in_the_document() -> None:
    # Two constructs measured by unrelated items: AVE far under 0.5 and R² near 0.
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.normal(size=(300, 6)), columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    spec = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ A"
    with pytest.warns(StatisticalWarning):  # noise gives negative weights too
        fit = PLSPM(spec).fit(data)
    doc = result_document(fit)
    checks = {f["check"] for f in doc["quality"]}
    assert {"ave", "r2"} <= checks
    assert all("message" in f and f["message"] for f in doc["quality"])
