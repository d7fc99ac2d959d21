"""Invariants of the PLS estimator (hypothesis): row order, index range, seeded bootstrap."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxm.analytics.pls as pls
from cxm.analytics.pls import PLSPM, parse_model
from cxm.analytics.pls.simulate import simulate
from cxm.errors import StatisticalWarning

SPEC = parse_model(
    """
    Quality      =~ q1 + q2 + q3
    Value        =~ v1 + v2
    Satisfaction =~ s1 + s2 + s3
    Loyalty      =~ l1 + l2
    Value ~ Quality
    Satisfaction ~ Quality + Value
    Loyalty ~ Satisfaction
    """
)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(seed=st.integers(0, 10_000), n=st.integers(40, 300))
def test_estimates_do_not_depend_on_row_order(seed: int, n: int) -> None:
    df = simulate(SPEC, n, seed=seed)
    if (df.std() == 0).any():
        return
    shuffled = df.sample(frac=1.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        a = PLSPM(SPEC).fit(df)
        b = PLSPM(SPEC).fit(shuffled)
    for attr in ("path_coefficients_", "outer_weights_", "outer_loadings_"):
        assert np.allclose(getattr(a, attr)["estimate"], getattr(b, attr)["estimate"], atol=1e-9)
    assert np.allclose(a.r2_, b.r2_, atol=1e-9)
    assert np.allclose(a.construct_indices_, b.construct_indices_, atol=1e-9)
    assert np.allclose(a.scores_.loc[shuffled.index], b.scores_, atol=1e-9)


@SLOW
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(30, 200),
    loading=st.floats(0.3, 0.95),
    top=st.sampled_from([5, 7, 10]),
)
def test_indices_lie_within_0_and_100(seed: int, n: int, loading: float, top: int) -> None:
    df = simulate(SPEC, n, seed=seed, loading=loading, scale=(1, top))
    if (df.std() == 0).any():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = PLSPM(SPEC, scale=(1, top)).fit(df)
        per_row = fit.respondent_indices()
    assert ((fit.construct_indices_ >= 0) & (fit.construct_indices_ <= 100)).all()
    assert ((per_row >= 0) & (per_row <= 100)).all().all()


def test_index_is_100_at_the_top_and_0_at_the_bottom_of_the_scale() -> None:
    df = simulate(SPEC, 200, seed=1, scale=(1, 5))
    fit = PLSPM(SPEC, scale=(1, 5)).fit(df)
    rows = fit.respondent_indices()
    top = (df[list(SPEC.block("Loyalty").indicators)] == 5).all(axis=1)
    assert np.allclose(rows.loc[top, "Loyalty"], 100.0)
    bottom = (df[list(SPEC.block("Loyalty").indicators)] == 1).all(axis=1)
    assert np.allclose(rows.loc[bottom, "Loyalty"], 0.0)
    assert fit.construct_indices_["Loyalty"] == pytest.approx(rows["Loyalty"].mean())


def test_a_negative_weight_is_warned_about() -> None:
    df = simulate(SPEC, 300, seed=4, scale=(1, 10))
    df["q3"] = 11 - df["q3"]  # a reversed item
    df["q2"] = 11 - df["q2"]
    with pytest.warns(StatisticalWarning, match="Quality has a negative indicator weight"):
        fit = PLSPM(SPEC).fit(df)
    assert any("Quality" in w for w in fit.warnings_)


@cache
def _small_fit() -> PLSPM:
    return PLSPM(SPEC).fit(simulate(SPEC, 80, seed=1))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_bootstrap_is_reproducible_for_a_seed(seed: int) -> None:
    fit = _small_fit()
    a = pls.bootstrap(fit, 20, seed=seed, bca=False)
    b = pls.bootstrap(fit, 20, seed=seed, bca=False)
    assert np.array_equal(a.draws, b.draws)
