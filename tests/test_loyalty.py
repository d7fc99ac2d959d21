"""Loyalty index and the satisfaction–loyalty gap (DOMAIN.md §3).

References: Pearson CI vs pingouin.corr (Fisher z); rates vs statsmodels Wilson intervals;
profile t-tests vs scipy; the documents' own example (> 90 % satisfied, < 30 % loyal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxm.analytics.loyalty import (
    loyalty_by_satisfaction,
    loyalty_index,
    satisfaction_loyalty_correlation,
    satisfied_not_loyal,
)
from cxm.errors import InputError


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    # The documents' picture: 92 % satisfied (4–5) yet only ~25 % come back, weak link.
    rng = np.random.default_rng(3)
    n = 1000
    sat = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.01, 0.02, 0.05, 0.45, 0.47])
    back = rng.random(n) < np.where(sat == 5, 0.33, np.where(sat == 4, 0.18, 0.05))
    return pd.DataFrame(
        {
            "sat": sat,
            "back": back.astype(int),
            "recommend": np.clip(np.round(sat * 1.6 + rng.normal(size=n) * 2), 0, 10),
            "price_paid": rng.gamma(2, 50, size=n) + 30 * (~back),
            "channel": rng.choice(["web", "store", "phone"], size=n),
        }
    )


def test_loyalty_index_rescales_each_item_and_skips_missing() -> None:
    df = pd.DataFrame(
        {
            "again": [5, 1, 3, np.nan],
            "rec": [10, 0, 5, 10],
            "resist": [5, 1, np.nan, np.nan],
            "forgive": [5, 1, 4, np.nan],
        }
    )
    out = loyalty_index(
        df,
        {
            "repurchase": "again",
            "recommend": "rec",
            "resist_competitor": "resist",
            "forgive": "forgive",
        },
    )
    assert out.tolist() == pytest.approx([100.0, 0.0, (50 + 50 + 75) / 3, 100.0])
    with pytest.raises(InputError, match="facet"):
        loyalty_index(df, {"repurchase": "again", "love": "rec"})


def test_correlation_interval_matches_pingouin(customers: pd.DataFrame) -> None:
    out = satisfaction_loyalty_correlation(customers, "sat", "recommend").set_index("method")
    # Reference: pingouin.corr(x, y) → r, CI95 (Fisher z), p_val
    ref = pingouin.corr(customers["sat"], customers["recommend"])
    assert out.loc["pearson", "r"] == pytest.approx(ref["r"].iloc[0])
    lo, hi = ref["CI95"].iloc[0]
    assert (out.loc["pearson", "ci_low"], out.loc["pearson", "ci_high"]) == pytest.approx(
        (lo, hi),
        abs=5e-3,  # pingouin rounds its interval to 2 decimals
    )
    rho = stats.spearmanr(customers["sat"], customers["recommend"])
    assert out.loc["spearman", "r"] == pytest.approx(rho.statistic)
    z, se = np.arctanh(rho.statistic), np.sqrt(1.06 / (len(customers) - 3))
    assert out.loc["spearman", "ci_low"] == pytest.approx(np.tanh(z - 1.959964 * se), abs=1e-6)


def test_it_shows_many_satisfied_but_few_loyal(customers: pd.DataFrame) -> None:
    found = loyalty_by_satisfaction(customers, "sat", "back")
    assert found.satisfied_share > 0.9 and found.loyal_rate < 0.3
    out = found.table
    five = out.set_index("level").loc[5.0]
    sub = customers.loc[customers["sat"] == 5, "back"]
    # Reference: statsmodels proportion_confint(method="wilson")
    lo, hi = proportion_confint(sub.sum(), len(sub), method="wilson")
    assert five["loyal_rate"] == pytest.approx(sub.mean())
    assert (five["ci_low"], five["ci_high"]) == pytest.approx((lo, hi))
    assert out["share"].sum() == pytest.approx(1.0)
    few = out[out["n"] < 30]  # levels 1–2 have about 10–20 answers: no rate is shown
    assert len(few) > 0 and few["suppressed"].all() and few["loyal_rate"].isna().all()


def test_satisfied_not_loyal_share_and_profile(customers: pd.DataFrame) -> None:
    res = satisfied_not_loyal(customers, "sat", "back", profile=["price_paid", "channel"])
    satisfied = customers["sat"] >= 4
    snl = satisfied & (customers["back"] == 0)
    assert res.share == pytest.approx(snl.sum() / satisfied.sum())
    assert res.cells["n"].sum() == len(customers)
    price = res.profile.set_index("column").loc["price_paid"]
    a = customers.loc[snl, "price_paid"]
    b = customers.loc[satisfied & (customers["back"] == 1), "price_paid"]
    assert price["difference"] == pytest.approx(a.mean() - b.mean())
    # Reference: scipy Welch t-test; pingouin Hedges g
    assert price["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert price["effect_size"] == pytest.approx(pingouin.compute_effsize(a, b, eftype="hedges"))
    channels = res.profile[res.profile["column"] == "channel"]
    assert set(channels["level"]) == {"web", "store", "phone"}
    assert channels["not_loyal"].sum() == pytest.approx(1.0)


def test_a_loyalty_score_needs_a_threshold(customers: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="threshold"):
        satisfied_not_loyal(customers, "sat", "recommend")
    res = satisfied_not_loyal(customers, "sat", "recommend", loyal_at=9)
    assert 0 <= res.share <= 1
