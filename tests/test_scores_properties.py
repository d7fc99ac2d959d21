"""Invariants of the scores and indices (hypothesis): row order, bounds, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cxm.analytics.index import importance_index, pca_index
from cxm.analytics.loyalty import loyalty_index
from cxm.analytics.scores import scores
from cxm.analytics.scores_nps import nps

answers = st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 9.0])  # 9 = don't know


@st.composite
def surveys(draw: st.DrawFn, min_rows: int = 1) -> pd.DataFrame:
    n = draw(st.integers(min_value=min_rows, max_value=80))
    return pd.DataFrame(
        {
            "seg": draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)),
            "q1": draw(st.lists(answers, min_size=n, max_size=n)),
            "q2": draw(st.lists(answers, min_size=n, max_size=n)),
            "rec": draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)),
        }
    )


@settings(max_examples=25, deadline=None)
@given(df=surveys(), seed=st.integers(0, 2**32 - 1), min_n=st.integers(1, 20))
def test_scores_do_not_depend_on_row_order(df: pd.DataFrame, seed: int, min_n: int) -> None:
    shuffled = df.sample(frac=1.0, random_state=np.random.RandomState(seed))
    a = scores(df, ["q1", "q2"], by="seg", dont_know=9, min_n=min_n)
    b = scores(shuffled, ["q1", "q2"], by="seg", dont_know=9, min_n=min_n)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        nps(df, ["rec"], by="seg", min_n=min_n), nps(shuffled, ["rec"], by="seg", min_n=min_n)
    )


@settings(max_examples=25, deadline=None)
@given(df=surveys(), min_n=st.integers(1, 40))
def test_no_number_is_shown_below_min_n(df: pd.DataFrame, min_n: int) -> None:
    out = scores(df, ["q1", "q2"], by="seg", dont_know=9, min_n=min_n)
    few = out["n"] < min_n
    stats = [c for c in out.columns if c.startswith(("csat", "score_100", "mean", "sd"))]
    assert out.loc[few, stats].isna().all().all()
    assert out.loc[few, "suppressed"].all() and out.loc[few, "reason"].notna().all()
    assert not out.loc[~few, "suppressed"].any()
    p = nps(df, ["rec"], by="seg", min_n=min_n)
    assert p.loc[p["n"] < min_n, ["nps", "ci_low", "ci_high"]].isna().all().all()


@settings(max_examples=25, deadline=None)
@given(df=surveys(min_rows=5))
def test_scores_stay_within_their_ranges(df: pd.DataFrame) -> None:
    out = scores(df, ["q1", "q2"], by="seg", dont_know=9, min_n=1)
    for col, lo, hi in [
        ("csat", 0, 1),
        ("csat_ci_low", 0, 1),
        ("csat_ci_high", 0, 1),
        ("score_100", 0, 100),
        ("score_100_ci_low", 0, 100),
        ("score_100_ci_high", 0, 100),
        ("mean", 1, 5),
    ]:
        v = out[col].dropna()
        assert ((v >= lo - 1e-9) & (v <= hi + 1e-9)).all(), col
    p = nps(df, ["rec"], min_n=1)
    assert p["nps"].between(-100, 100).all() and p["ci_low"].ge(-100).all()


@settings(max_examples=25, deadline=None)
@given(
    df=surveys(min_rows=5),
    w=st.lists(st.floats(0.01, 10), min_size=2, max_size=2),
)
def test_indices_stay_within_0_and_100(df: pd.DataFrame, w: list[float]) -> None:
    clean = df.replace(9.0, np.nan)
    res = importance_index(clean, ["q1", "q2"], importance={"q1": w[0], "q2": w[1]}, min_n=1)
    v = res.respondents.dropna()
    assert v.between(0, 100).all()
    assert res.groups["index"].dropna().between(0, 100).all()
    loy = loyalty_index(clean, {"repurchase": "q1", "recommend": "rec"}).dropna()
    assert loy.between(0, 100).all()
    complete = clean[["q1", "q2"]].dropna()
    if len(complete) >= 3 and (complete.std() > 0).all():
        pv = pca_index(clean, ["q1", "q2"], min_n=1).respondents.dropna()
        assert pv.between(0, 100).all()
