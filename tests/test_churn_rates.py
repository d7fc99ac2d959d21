"""Churn rate per segment and period, and the reasons beside the documents' benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxm.analytics._intervals import chi2_sf
from cxm.analytics.churn import churn_rates, churn_reasons, wilson_interval
from cxm.customers.codes import CHURN_REASON_BENCHMARK
from cxm.errors import InputError


def test_wilson_interval_matches_statsmodels() -> None:
    lo, hi = wilson_interval(np.array([3, 0, 50]), np.array([20, 10, 50]))
    for i, (k, n) in enumerate([(3, 20), (0, 10), (50, 50)]):
        ref = proportion_confint(k, n, method="wilson")  # statsmodels reference
        assert (lo[i], hi[i]) == pytest.approx(ref, abs=1e-12)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["key", "key", "key", "other", "other", "other"],
            "acquired_on": pd.to_datetime(
                ["2020-01-01", "2020-01-01", "2024-06-01", "2020-01-01", "2020-01-01", None]
            ),
            "churned_on": pd.to_datetime(
                ["2024-03-01", None, "2025-02-01", "2025-05-01", "2024-01-01", None]
            ),
        }
    )


def test_churn_rate_counts_customers_at_risk_at_the_start_of_each_period() -> None:
    out = churn_rates(_customers(), start="2024-01-01", end="2025-12-31").set_index(
        ["segment", "period"]
    )
    # 2024: key — two at risk (the third joins in June), one lost in March.
    assert out.loc[("key", "2024"), ["at_risk", "churned"]].tolist() == [2, 1]
    # 2025: key — the survivor and the June joiner at risk; the joiner lost in February.
    assert out.loc[("key", "2025"), ["at_risk", "churned"]].tolist() == [2, 1]
    # other 2024: three at risk (no acquisition date counts as known from the start), one lost.
    assert out.loc[("other", "2024"), ["at_risk", "churned"]].tolist() == [3, 1]
    assert out.loc[("other", "2025"), "churn_rate"] == pytest.approx(0.5)
    lo, hi = proportion_confint(1, 2, method="wilson")
    assert out.loc[("other", "2025"), "ci_low"] == pytest.approx(lo)
    assert out.loc[("other", "2025"), "ci_high"] == pytest.approx(hi)


def test_a_period_without_customers_is_no_data_not_zero() -> None:
    known = _customers().dropna(subset=["acquired_on"])
    out = churn_rates(known, start="2010-01-01", end="2010-12-31")
    assert (out["status"] == "no data").all()
    assert out["churn_rate"].isna().all()


def test_it_rejects_a_period_that_ends_before_it_starts() -> None:
    with pytest.raises(InputError, match="ends before it starts"):
        churn_rates(_customers(), start="2025-01-01", end="2024-01-01")
    with pytest.raises(InputError, match="Y, Q or M"):
        churn_rates(_customers(), freq="W")


def test_reasons_sit_beside_the_documents_benchmark() -> None:
    counts = {
        "died": 6,
        "moved_away": 18,
        "other_relationship": 30,
        "won_by_competitor": 54,
        "product_dissatisfaction": 84,
        "staff_indifference": 408,
    }
    reasons = pd.Series([k for k, n in counts.items() for _ in range(n)] + ["other", None])
    bench = {k.value: v for k, v in CHURN_REASON_BENCHMARK.items()}
    found = churn_reasons(reasons, bench)
    out = found.table.set_index("reason")
    assert out.loc["staff_indifference", "share"] == pytest.approx(0.68)
    assert out.loc["staff_indifference", "benchmark_share"] == pytest.approx(0.68)
    assert out.loc["other", "customers"] == 1 and np.isnan(out.loc["other", "benchmark_share"])
    assert out.loc["unrecorded", "customers"] == 1
    assert found.n == 600
    # scipy reference: the split equals the benchmark, so the goodness-of-fit p is 1.
    ref = stats.chisquare(list(counts.values()), [600 * v for v in bench.values()]).pvalue
    assert found.chi2_p == pytest.approx(ref)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 6, 9, 30])
def test_the_chi2_tail_matches_scipy(df: int) -> None:
    # Reference: scipy.stats.chi2.sf, from the tail to the far tail (p down to ~1e-300).
    xs = np.concatenate([[0.0, 1e-9], np.geomspace(1e-4, 1300, 300)])
    ours = np.array([chi2_sf(df, float(x)) for x in xs])
    ref = stats.chi2.sf(xs, df)
    assert ours == pytest.approx(ref, rel=1e-12, abs=0)
    assert np.isnan(chi2_sf(df, float("nan")))
    with pytest.raises(ValueError):
        chi2_sf(0, 1.0)
