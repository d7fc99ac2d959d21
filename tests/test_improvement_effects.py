"""Improvement effects pinned to statsmodels/scipy (independent implementations)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.rates import confint_poisson_2indep
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep_test
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cxm.analytics.improvement import poisson_rates, two_proportions, welch_means
from cxm.errors import InputError


def test_two_proportions_matches_statsmodels() -> None:
    e = two_proportions(120, 2000, 80, 2100)
    # proportions_ztest([80, 120], [2100, 2000]) pools the two samples
    z, p = proportions_ztest([80, 120], [2100, 2000])
    low, high = confint_proportions_2indep(80, 2100, 120, 2000, method="wald", compare="diff")
    assert (e.statistic, e.p_value) == pytest.approx((z, p), rel=1e-9)
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert e.improved and e.difference < 0


def test_welch_matches_scipy_and_statsmodels() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(30, 8, 60), rng.normal(26, 5, 45)
    e = welch_means(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False)
    low, high = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(usevar="unequal")
    assert (e.statistic, e.p_value) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-9)
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high), rel=1e-9)


def test_poisson_rates_match_statsmodels() -> None:
    e = poisson_rates(60, 1000.0, 35, 1100.0)
    ref = poisson_2indep_test(35, 1100.0, 60, 1000.0, method="exact-cond")
    low, high = confint_poisson_2indep(35, 1100.0, 60, 1000.0, method="wald", compare="diff")
    assert e.p_value == pytest.approx(ref.pvalue, rel=1e-6)
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high), rel=1e-9)


def test_a_small_change_is_not_an_improvement() -> None:
    e = two_proportions(50, 1000, 45, 1000)
    assert not e.significant and not e.improved
    worse = two_proportions(20, 1000, 60, 1000)
    assert worse.significant and not worse.improved  # significant, wrong direction


def test_it_refuses_an_empty_after_period() -> None:
    with pytest.raises(InputError, match="after period has no opportunities"):
        two_proportions(5, 100, 0, 0)
