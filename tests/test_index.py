"""Importance-weighted and PCA-weighted satisfaction indices (0–100).

References: PCA weights are pinned to scikit-learn's PCA on standardised items; derived
importance to pandas correlations and to the standardised OLS coefficients of statsmodels;
stated importance to a hand-computed example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.decomposition import PCA

from cxm.analytics.index import importance_index, pca_index
from cxm.errors import InputError

ITEMS = ["q1", "q2", "q3", "q4"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    f = rng.normal(size=n)
    df = pd.DataFrame(
        {
            c: np.clip(np.round(3 + w * f + rng.normal(size=n)), 1, 5)
            for c, w in zip(ITEMS, [1.2, 0.9, 0.6, 0.3], strict=True)
        }
    )
    df["overall"] = np.clip(np.round(3 + f + rng.normal(size=n) * 0.5), 1, 5)
    df["seg"] = rng.choice(["a", "b", "c"], size=n)
    return df


def test_stated_importance_matches_a_hand_computation() -> None:
    # respondent 1: (75·2 + 50·1 + 100·1) / 4 = 75; respondent 2 skipped q3:
    # (0·2 + 25·1) / 3 = 8.333…
    df = pd.DataFrame({"q1": [4, 1], "q2": [3, 2], "q3": [5, np.nan]})
    res = importance_index(df, ["q1", "q2", "q3"], importance={"q1": 2, "q2": 1, "q3": 1}, min_n=1)
    assert res.respondents.tolist() == pytest.approx([75.0, 25 / 3])
    assert res.weights.tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert res.groups["index"].iloc[0] == pytest.approx((75 + 25 / 3) / 2)


def test_derived_importance_uses_correlations_or_betas(survey: pd.DataFrame) -> None:
    r = survey[ITEMS].corrwith(survey["overall"])
    res = importance_index(survey, ITEMS, overall="overall")
    assert res.weights.to_numpy() == pytest.approx((r / r.sum()).to_numpy())
    z = (survey[[*ITEMS, "overall"]] - survey[[*ITEMS, "overall"]].mean()) / survey[
        [*ITEMS, "overall"]
    ].std()
    beta = sm.OLS(z["overall"], z[ITEMS]).fit().params.clip(lower=0)
    res = importance_index(survey, ITEMS, overall="overall", derive="regression")
    assert res.weights.to_numpy() == pytest.approx((beta / beta.sum()).to_numpy())


def test_pca_weights_follow_sklearn_first_component(survey: pd.DataFrame) -> None:
    x = survey[ITEMS]
    z = (x - x.mean()) / x.std(ddof=0)
    pca = PCA(n_components=1).fit(z)
    comp = pca.components_[0] * np.sign(pca.components_[0].sum())
    res = pca_index(survey, ITEMS, by="seg")
    assert res.weights.to_numpy() == pytest.approx(comp / comp.sum(), abs=1e-10)
    assert res.explained_variance == pytest.approx(pca.explained_variance_ratio_[0], abs=1e-10)
    assert list(res.groups["seg"]) == ["a", "b", "c"]
    for _, row in res.groups.iterrows():
        assert row["index"] == pytest.approx(res.respondents[survey["seg"] == row["seg"]].mean())


def test_it_rejects_answers_off_the_scale_and_missing_importance(survey: pd.DataFrame) -> None:
    bad = survey.copy()
    bad.loc[7, "q2"] = 6
    with pytest.raises(InputError, match="Row 8, column q2"):
        pca_index(bad, ITEMS)
    with pytest.raises(InputError, match="q4"):
        importance_index(survey, ITEMS, importance={"q1": 1, "q2": 1, "q3": 1})
    with pytest.raises(InputError):
        importance_index(survey, ITEMS)
