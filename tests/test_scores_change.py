"""Change between two waves: tests and effect sizes pinned to statsmodels, scipy and pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from cxm.analytics.scores_change import compare_waves


@pytest.fixture()
def waves() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    return pd.DataFrame(
        {
            "wave": np.repeat(["2025Q1", "2025Q2"], n // 2),
            "seg": rng.choice(["a", "b"], size=n),
            "q": np.concatenate(
                [
                    rng.choice([1, 2, 3, 4, 5], size=n // 2, p=[0.1, 0.2, 0.3, 0.25, 0.15]),
                    rng.choice([1, 2, 3, 4, 5], size=n // 2, p=[0.05, 0.1, 0.25, 0.35, 0.25]),
                ]
            ),
            "rec": rng.integers(0, 11, size=n),
        }
    )


def _split(df: pd.DataFrame, col: str, seg: str) -> tuple[pd.Series, pd.Series]:
    d = df[df["seg"] == seg]
    return d.loc[d["wave"] == "2025Q1", col], d.loc[d["wave"] == "2025Q2", col]


def test_csat_change_matches_statsmodels(waves: pd.DataFrame) -> None:
    out = compare_waves(waves, ["q"], wave="wave", before="2025Q1", after="2025Q2", by="seg")
    for _, row in out.iterrows():
        a, b = _split(waves, "q", row["seg"])
        x1, x2 = int(a.isin([4, 5]).sum()), int(b.isin([4, 5]).sum())
        # Reference: statsmodels proportions_ztest([x2, x1], [n2, n1]) (pooled z-test)
        z, p = proportions_ztest([x2, x1], [len(b), len(a)])
        # Reference: statsmodels confint_proportions_2indep(method="newcomb")
        lo, hi = confint_proportions_2indep(x2, len(b), x1, len(a), method="newcomb")
        # Reference: statsmodels proportion_effectsize (Cohen's h)
        h = proportion_effectsize(x2 / len(b), x1 / len(a))
        assert row["statistic"] == pytest.approx(z) and row["p_value"] == pytest.approx(p)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
        assert row["effect_size"] == pytest.approx(h) and row["effect_size_kind"] == "cohen_h"


@pytest.mark.parametrize("metric", ["mean", "score_100"])
def test_mean_change_matches_scipy_welch_and_pingouin_hedges(
    waves: pd.DataFrame, metric: str
) -> None:
    out = compare_waves(
        waves, ["q"], wave="wave", before="2025Q1", after="2025Q2", by="seg", metric=metric
    )  # type: ignore[arg-type]
    points = {5: 100, 4: 80, 3: 60, 2: 30, 1: 0} if metric == "score_100" else None
    for _, row in out.iterrows():
        a, b = _split(waves, "q", row["seg"])
        if points:
            a, b = a.map(points), b.map(points)
        # Reference: scipy.stats.ttest_ind(b, a, equal_var=False)
        res = stats.ttest_ind(b, a, equal_var=False)
        ci = res.confidence_interval(0.95)
        # Reference: pingouin.compute_effsize(b, a, eftype="hedges")
        g = pingouin.compute_effsize(b, a, eftype="hedges")
        assert row["difference"] == pytest.approx(b.mean() - a.mean())
        assert row["statistic"] == pytest.approx(res.statistic)
        assert row["p_value"] == pytest.approx(res.pvalue)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
        assert row["effect_size"] == pytest.approx(g)


def test_nps_change_uses_the_trinomial_variances(waves: pd.DataFrame) -> None:
    out = compare_waves(
        waves, ["rec"], wave="wave", before="2025Q1", after="2025Q2", metric="nps"
    ).iloc[0]
    a = waves.loc[waves["wave"] == "2025Q1", "rec"]
    b = waves.loc[waves["wave"] == "2025Q2", "rec"]

    def score(s: pd.Series) -> pd.Series:
        return (s >= 9).astype(float) - (s <= 6).astype(float)

    sa, sb = score(a), score(b)
    se = 100 * np.sqrt(sa.var(ddof=0) / len(sa) + sb.var(ddof=0) / len(sb))
    assert out["difference"] == pytest.approx(100 * (sb.mean() - sa.mean()))
    assert out["statistic"] == pytest.approx(out["difference"] / se)
    assert out["p_value"] == pytest.approx(2 * stats.norm.sf(abs(out["difference"] / se)))


def test_a_group_small_in_either_wave_is_suppressed(waves: pd.DataFrame) -> None:
    out = compare_waves(
        waves, ["q"], wave="wave", before="2025Q1", after="2025Q2", by="seg", min_n=150
    )
    assert out["suppressed"].all() and out["p_value"].isna().all()
