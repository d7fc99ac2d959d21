"""Where to invest: the churn–satisfaction slope against statsmodels, and the effect of
each improvement computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxm.analytics.invest import churn_slope, improvement_effects
from cxm.errors import InputError


def test_churn_slope_matches_statsmodels_ols_with_hc1() -> None:
    rng = np.random.default_rng(7)
    sat = pd.Series(rng.integers(1, 6, 400).astype(float))
    churned = pd.Series((rng.random(400) < 0.5 - 0.08 * (sat - 3)).astype(int))
    beta, se = churn_slope(sat, churned)
    ref = sm.OLS(churned, sm.add_constant(sat)).fit(cov_type="HC1")  # statsmodels reference
    assert beta == pytest.approx(ref.params.iloc[1])
    assert se == pytest.approx(ref.bse.iloc[1])
    assert beta < 0


def test_it_ranks_improvements_by_expected_profit_and_splits_the_budget() -> None:
    drivers = pd.DataFrame(
        {
            "driver": ["staff", "product", "speed"],
            "importance": [0.5, 0.3, -0.1],
            "performance": [3.5, 4.8, 3.0],
        }
    )
    segments = pd.DataFrame(
        {"segment": ["key", "other"], "customers": [100, 400], "clv": [1000.0, 50.0]}
    )
    out = improvement_effects(
        drivers, segments, churn_per_point=-0.1, improvement=0.5, budget=10_000
    )
    first = out.iloc[0]
    assert (first["segment"], first["driver"]) == ("key", "staff")
    assert first["effect"] == pytest.approx(100 * 1000 * 0.1 * 0.5 * 0.5)
    product_key = out[(out["segment"] == "key") & (out["driver"] == "product")].iloc[0]
    assert product_key["gain_points"] == pytest.approx(0.2)  # only 0.2 points left to the top
    assert "speed" not in set(out["driver"])  # negative importance: no expected gain
    assert out["budget_share"].sum() == pytest.approx(1.0)
    assert out["budget_amount"].sum() == pytest.approx(10_000)


def test_it_rejects_missing_columns_and_too_little_data() -> None:
    with pytest.raises(InputError, match="Missing driver columns"):
        improvement_effects(pd.DataFrame({"driver": ["x"]}), pd.DataFrame(), churn_per_point=-0.1)
    with pytest.raises(InputError, match="Too few customers"):
        churn_slope(pd.Series([1.0, 2.0]), pd.Series([0, 1]))
