"""Churn risk model: time-based holdout, AUC/Brier against scikit-learn's metrics,
contributions that add up to each score, the valuable customers most at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from cxm.analytics.churn_risk import ChurnRiskModel, most_at_risk, time_holdout
from cxm.errors import InputError


def _snapshots(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for snap in ("2024-01-01", "2025-01-01"):
        sat = rng.integers(1, 6, n).astype(float)
        complaints = rng.poisson(0.5, n).astype(float)
        recency = rng.exponential(60, n)
        logit = -1.0 - 0.8 * (sat - 3) + 0.6 * complaints + 0.01 * (recency - 60)
        churned = rng.random(n) < 1 / (1 + np.exp(-logit))
        sat[rng.random(n) < 0.1] = np.nan  # not every customer answered
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": np.arange(n),
                    "snapshot": pd.Timestamp(snap),
                    "satisfaction": sat,
                    "complaints": complaints,
                    "recency_days": recency,
                    "value": rng.pareto(1.2, n) * 100,
                    "churned": churned.astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


FEATURES = ["satisfaction", "complaints", "recency_days"]


def test_it_scores_the_holdout_and_reports_auc_and_calibration() -> None:
    train, test = time_holdout(_snapshots())
    assert train["snapshot"].max() < test["snapshot"].min()
    model = ChurnRiskModel(features=FEATURES).fit(train).evaluate(test)
    p = model.predict(test)
    assert model.auc_ == pytest.approx(roc_auc_score(test["churned"], p))  # sklearn reference
    assert model.brier_ == pytest.approx(brier_score_loss(test["churned"], p))
    assert model.auc_ > 0.75
    assert model.coef_["satisfaction"] < 0 < model.coef_["complaints"]
    rel = model.reliability_
    assert rel["customers"].sum() == len(test)
    # Well specified model: predicted and observed agree within a few points where n is large.
    big = rel[rel["customers"] >= 100]
    assert (big["mean_predicted"] - big["observed"]).abs().max() < 0.08


def test_contributions_add_up_to_each_score() -> None:
    train, test = time_holdout(_snapshots())
    model = ChurnRiskModel(features=FEATURES).fit(train)
    contrib = model.contributions(test)
    assert contrib["risk"].to_numpy() == pytest.approx(model.predict(test))
    total = model.intercept_ + contrib[FEATURES].sum(axis=1)
    assert contrib["log_odds"].to_numpy() == pytest.approx(total.to_numpy())


def test_it_lists_valuable_customers_most_at_risk_with_reasons() -> None:
    train, test = time_holdout(_snapshots())
    model = ChurnRiskModel(features=FEATURES).fit(train)
    contrib = model.contributions(test)
    scored = test.assign(risk=contrib["risk"])
    top = most_at_risk(scored, contrib, top=10)
    assert len(top) == 10
    assert (top["value"] >= scored["value"].quantile(0.8)).all()
    assert top["expected_loss"].is_monotonic_decreasing
    assert top["reasons"].str.len().gt(0).all()


def test_it_refuses_a_holdout_without_both_outcomes() -> None:
    df = _snapshots()
    train, test = time_holdout(df)
    model = ChurnRiskModel(features=FEATURES).fit(train)
    with pytest.raises(InputError, match="holdout rows need both"):
        model.evaluate(test.assign(churned=0))
    with pytest.raises(InputError, match="before and after"):
        time_holdout(df, cutoff="2030-01-01")
    with pytest.raises(InputError, match="Missing feature"):
        model.predict(test.drop(columns="complaints"))


def test_the_pipeline_chooses_its_penalty_by_cross_validation_and_survives_a_reload(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    from cxm.analytics.churn_risk import C_GRID

    train, test = time_holdout(_snapshots())
    model = ChurnRiskModel(features=FEATURES).fit(train)
    assert isinstance(model.pipeline_, Pipeline)
    assert [name for name, _step in model.pipeline_.steps] == ["impute", "scale", "model"]
    # The same search done directly with scikit-learn picks the same C.
    reference = GridSearchCV(
        model.pipeline_,
        {"model__C": list(C_GRID)},
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="neg_log_loss",
    ).fit(train[FEATURES].to_numpy(dtype=float), train["churned"].to_numpy())
    assert reference.best_params_["model__C"] == model.C_
    path = tmp_path / "risk.skops"
    model.save(path, results={"auc": 0.8, "n_train": model.n_train_})
    assert b"pickle" not in path.read_bytes()[:4]
    again, results = ChurnRiskModel.load(path)
    assert results == {"auc": 0.8, "n_train": model.n_train_}
    assert again.predict(test) == pytest.approx(model.predict(test), abs=1e-15)
    assert again.contributions(test)["risk"].to_numpy() == pytest.approx(model.predict(test))


def test_a_model_file_with_foreign_types_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    path = tmp_path / "other.skops"
    sio.dump({"format": 1, "pipeline": DecisionTreeClassifier(), "features": []}, path)
    with pytest.raises(InputError, match="holds types CXM does not load"):
        ChurnRiskModel.load(path)
    junk = tmp_path / "junk.skops"
    junk.write_text("not a model")
    with pytest.raises(InputError, match="Cannot read the model file"):
        ChurnRiskModel.load(junk)
