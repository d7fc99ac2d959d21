"""CSAT, the 100-point score and the mean per item and group, pinned to named references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxm.analytics.scores import csat, mean_score, score_100, scores
from cxm.errors import InputError, ValidationFailed


@pytest.fixture()
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 600
    return pd.DataFrame(
        {
            "segment": rng.choice(["gold", "silver", "bronze"], size=n),
            "region": rng.choice(["north", "south"], size=n),
            "q1": rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.05, 0.1, 0.2, 0.35, 0.25, 0.05]),
            "q2": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, np.nan], size=n),
        }
    )


def test_csat_interval_matches_statsmodels_wilson(survey: pd.DataFrame) -> None:
    out = csat(survey, ["q1", "q2"], by="segment", dont_know=6)
    for _, row in out.iterrows():
        sub = survey.loc[survey["segment"] == row["segment"], row["item"]]
        sub = sub[sub.between(1, 5)]
        hits = int(sub.isin([4, 5]).sum())
        # Reference: statsmodels proportion_confint(hits, n, method="wilson")
        lo, hi = proportion_confint(hits, len(sub), alpha=0.05, method="wilson")
        assert row["n"] == len(sub)
        assert row["csat"] == pytest.approx(hits / len(sub), abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)


def test_the_100_point_score_follows_the_documents_weights() -> None:
    # Hand computation: shares .2 each of 5,4,3,2,1 → .2·(100+80+60+30+0) = 54; "don't know" (0)
    # and missing are left out of the shares.
    df = pd.DataFrame({"q": [5, 4, 3, 2, 1, 0, np.nan, 0]})
    out = score_100(df, ["q"], dont_know=0, min_n=1).iloc[0]
    assert out["score_100"] == pytest.approx(54.0)
    assert out["n"] == 5 and out["n_dont_know"] == 2
    # interval: t interval of the per-answer points (scipy.stats.t.interval)
    pts = np.array([100, 80, 60, 30, 0.0])
    lo, hi = stats.t.interval(0.95, 4, loc=pts.mean(), scale=stats.sem(pts))
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((max(lo, 0), min(hi, 100)))


def test_weights_are_configurable() -> None:
    df = pd.DataFrame({"q": [1, 2, 3, 4, 5]})
    out = score_100(df, ["q"], weights={1: 0, 2: 25, 3: 50, 4: 75, 5: 100}, min_n=1)
    assert out["score_100"].iloc[0] == pytest.approx(50.0)


def test_mean_interval_matches_scipy(survey: pd.DataFrame) -> None:
    out = mean_score(survey, ["q2"], by=["segment", "region"], min_n=2)
    for _, row in out.iterrows():
        mask = (survey["segment"] == row["segment"]) & (survey["region"] == row["region"])
        x = survey.loc[mask, "q2"].dropna()
        # Reference: scipy.stats.t.interval(0.95, n-1, loc=mean, scale=sem)
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert row["mean"] == pytest.approx(x.mean(), abs=1e-12)
        assert row["sd"] == pytest.approx(x.std(), abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-10)


def test_scores_agree_with_pandas_groupby(survey: pd.DataFrame) -> None:
    out = scores(survey, ["q1"], by=["segment", "region"], dont_know=6, min_n=1)
    valid = survey[survey["q1"] != 6]
    ref = valid.groupby(["segment", "region"])["q1"].agg(
        n="size", mean="mean", sd="std", csat=lambda s: s.isin([4, 5]).mean()
    )
    got = out.set_index(["segment", "region"])
    for col in ["n", "mean", "sd", "csat"]:
        assert got[col].to_numpy() == pytest.approx(ref[col].to_numpy(), abs=1e-12)
    assert list(out.columns[:3]) == ["segment", "region", "item"]


def test_it_suppresses_groups_below_min_n() -> None:
    df = pd.DataFrame({"seg": ["a"] * 3 + ["b"] * 40, "q": [5, 5, 4] + [4, 2] * 20})
    out = scores(df, ["q"], by="seg", min_n=30).set_index("seg")
    assert out.loc["a", "suppressed"] and out.loc["a", "reason"] == "too few answers"
    numeric = [c for c in out.columns if c.startswith(("csat", "score_100", "mean", "sd"))]
    assert out.loc["a", numeric].isna().all()
    assert out.loc["a", "n"] == 3
    assert not out.loc["b", "suppressed"] and out.loc["b", "reason"] is None
    assert out.loc["b", "csat"] == pytest.approx(0.5)


def test_an_item_with_no_answers_in_a_group_says_so() -> None:
    df = pd.DataFrame({"seg": ["a", "a", "b"], "q": [np.nan, np.nan, 5]})
    out = csat(df, ["q"], by="seg", min_n=1).set_index("seg")
    assert out.loc["a", "reason"] == "no answers" and np.isnan(out.loc["a", "csat"])


def test_it_names_row_column_and_value_of_an_answer_off_the_scale() -> None:
    df = pd.DataFrame({"q": [5, 4, 9, 3, 7]})
    with pytest.raises(ValidationFailed) as info:
        csat(df, ["q"])
    assert "don't know" in info.value.message
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (3, "q", "9"),
        (5, "q", "7"),
    ]


def test_it_rejects_text_unknown_columns_and_a_dont_know_code_on_the_scale() -> None:
    df = pd.DataFrame({"q": ["5", "4"], "r": [1, 2]})
    with pytest.raises(InputError, match="not numeric"):
        csat(df, ["q"])
    with pytest.raises(InputError, match="nope"):
        csat(df, ["nope"])
    with pytest.raises(InputError, match="don't-know code 5"):
        csat(df, ["r"], dont_know=5)
    with pytest.raises(InputError):
        csat(df, ["r"], min_n=0)
