"""Churn risk per customer from satisfaction answers, complaints and purchase behaviour.

A penalised logistic regression (one scikit-learn pipeline: imputation, scaling, L2
strength chosen by cross-validation) on standardised features, saved with skops, fitted on earlier
snapshots and judged on later ones (time-based holdout, so the score is tested the way it is
used: on the future). Reported: AUC, Brier score and a reliability table (predicted against
observed churn per probability bin). Each score is explained by per-feature contributions
``β_j z_ij`` on the log-odds scale; they add up to the customer's log-odds minus the
intercept, so a manager sees *why* a customer is at risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["C_GRID", "TRUSTED_TYPES", "ChurnRiskModel", "most_at_risk", "time_holdout"]


def time_holdout(
    frame: pd.DataFrame, *, time: str = "snapshot", cutoff: Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (train, test) by time: test = rows at or after ``cutoff`` (default:
    the latest snapshot). Raises when either side is empty."""
    t = pd.to_datetime(frame[time])
    cut = pd.Timestamp(cutoff) if cutoff is not None else t.max()
    train, test = frame[(t < cut).to_numpy()], frame[(t >= cut).to_numpy()]
    if train.empty or test.empty:
        raise InputError(
            _("The time-based holdout needs rows before and after {cutoff}.", cutoff=cut.date())
        )
    return train, test


#: Types a saved churn-risk model may contain (skops refuses anything else on load).
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
]
#: Format of a saved model file; a loader refuses other numbers.
MODEL_FORMAT = 1
#: Candidate inverse regularisation strengths, chosen by cross-validated log-loss.
C_GRID = tuple(float(c) for c in np.logspace(-3, 2, 6))


class ChurnRiskModel:
    """Logistic churn model as one scikit-learn pipeline, with explained scores.

    ``Pipeline(SimpleImputer(median) → StandardScaler → LogisticRegression(C))``:
    ``P(churn) = σ(β₀ + Σ_j β_j z_j)``, ``z_j = (x_j − mean_j) / sd_j`` after filling a
    missing value with the training median. The L2 strength ``C`` is chosen from
    :data:`C_GRID` by 5-fold stratified cross-validated log-loss on the training rows (a
    proper score, so the chosen model stays calibrated; AUC alone would favour
    over-shrunk probabilities). Pass
    ``C`` to fix it). Evaluation: AUC (Hanley & McNeil 1982), Brier score
    ``mean((p − y)²)`` (Brier 1950) and reliability bins (DeGroot & Fienberg 1983).

    The fitted pipeline is saved with skops (no pickle; :meth:`save`, :meth:`load`) so a
    later run scores new customers with exactly this model.

    Attributes after :meth:`fit`: ``pipeline_``, ``features_``, ``C_``, ``coef_`` (per
    standardised feature), ``intercept_``, ``n_train_``; after :meth:`evaluate`: ``auc_``,
    ``brier_``, ``reliability_``, ``n_test_``, ``base_rate_``.
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        C: float | None = None,
        bins: int = 10,
        seed: int = 0,
    ) -> None:
        self.features = list(features) if features is not None else None
        self.C = C
        self.bins = bins
        self.seed = seed

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features_ if f not in frame]
        if missing:
            raise InputError(_("Missing feature columns: {cols}", cols=", ".join(missing)))
        return np.asarray(
            frame[self.features_].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        )

    def _z(self, frame: pd.DataFrame) -> np.ndarray:
        """Imputed, standardised features: the pipeline's first two steps."""
        return np.asarray(self.pipeline_[:-1].transform(self._matrix(frame)))

    def fit(self, train: pd.DataFrame, *, label: str = "churned") -> Self:
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        feats = self.features or [
            c for c in train.columns if c != label and pd.api.types.is_numeric_dtype(train[c])
        ]
        if not feats:
            raise InputError(_("No numeric feature columns to model churn with."))
        y = pd.to_numeric(train[label], errors="coerce").to_numpy()
        if np.isnan(y).any() or len(np.unique(y)) != 2:
            raise InputError(_("The training rows need both churned and retained customers."))
        self.features_ = list(feats)
        raw = self._matrix(train)
        all_nan = np.isnan(raw).all(axis=0)
        if all_nan.any():
            bad = [f for f, b in zip(self.features_, all_nan, strict=True) if b]
            raise InputError(_("Feature columns with no values: {cols}", cols=", ".join(bad)))
        pipe = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median")),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(max_iter=2000)),
            ]
        )
        yi = y.astype(int)
        folds = int(min(5, np.bincount(yi).min()))
        if self.C is not None or folds < 2:
            pipe.set_params(model__C=self.C if self.C is not None else 1.0)
            pipe.fit(raw, yi)
        else:
            search = GridSearchCV(
                pipe,
                {"model__C": list(C_GRID)},
                cv=StratifiedKFold(folds, shuffle=True, random_state=self.seed),
                scoring="neg_log_loss",
            )
            pipe = search.fit(raw, yi).best_estimator_
        self._set_pipeline(pipe, self.features_)
        self.n_train_ = len(y)
        return self

    def _set_pipeline(self, pipe: Any, features: list[str]) -> None:
        self.pipeline_ = pipe
        self.features_ = list(features)
        model = pipe[-1]
        self.C_ = float(model.C)
        self.coef_ = pd.Series(model.coef_[0], index=self.features_, name="coefficient")
        self.intercept_ = float(model.intercept_[0])

    def save(self, path: Any, *, results: dict[str, Any] | None = None) -> None:
        """Write the fitted pipeline, its features and ``results`` (JSON-able figures:
        AUC, dates, rule) to one skops file — never pickle."""
        import skops.io as sio

        from cxm.jsonable import to_jsonable

        payload = {
            "format": MODEL_FORMAT,
            "pipeline": self.pipeline_,
            "features": list(self.features_),
            "results": to_jsonable(results or {}),
        }
        sio.dump(payload, path)

    @classmethod
    def load(cls, path: Any) -> tuple[ChurnRiskModel, dict[str, Any]]:
        """A saved model (:meth:`save`) and its results; refuses files holding any type
        outside :data:`TRUSTED_TYPES` and other format numbers."""
        import zipfile

        import skops.io as sio

        try:
            untrusted = sio.get_untrusted_types(file=path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise InputError(
                _("Cannot read the model file {path}: {reason}", path=path, reason=exc)
            ) from None
        unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if unknown:
            raise InputError(
                _(
                    "The model file {path} holds types CXM does not load: {types}.",
                    path=path,
                    types=", ".join(unknown),
                )
            )
        payload = sio.load(path, trusted=untrusted)
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise InputError(
                _("{path} is not a churn-risk model saved by this CXM version.", path=path)
            )
        pipe = payload.get("pipeline")
        kinds = [type(step).__name__ for _n, step in getattr(pipe, "steps", [])]
        if type(pipe).__name__ != "Pipeline" or kinds != [
            "SimpleImputer",
            "StandardScaler",
            "LogisticRegression",
        ]:
            raise InputError(
                _(
                    "The model file {path} holds types CXM does not load: {types}.",
                    path=path,
                    types=type(pipe).__name__,
                )
            )
        model = cls(features=payload["features"])
        model._set_pipeline(payload["pipeline"], list(payload["features"]))
        model.n_train_ = int(payload["results"].get("n_train", 0))
        return model, dict(payload["results"])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn for each row."""
        return np.asarray(self.pipeline_.predict_proba(self._matrix(frame))[:, 1])

    def evaluate(self, test: pd.DataFrame, *, label: str = "churned") -> Self:
        from sklearn.metrics import brier_score_loss, roc_auc_score

        y = pd.to_numeric(test[label], errors="coerce").to_numpy()
        if np.isnan(y).any() or len(np.unique(y)) != 2:
            raise InputError(_("The holdout rows need both churned and retained customers."))
        p = self.predict(test)
        self.auc_ = float(roc_auc_score(y, p))
        self.brier_ = float(brier_score_loss(y, p))
        self.base_rate_ = float(y.mean())
        self.n_test_ = len(y)
        edges = np.linspace(0, 1, self.bins + 1)
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, self.bins - 1)
        rel = (
            pd.DataFrame({"bin": idx, "p": p, "y": y})
            .groupby("bin")
            .agg(customers=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
            .reset_index()
        )
        rel["bin_low"] = edges[rel["bin"]]
        rel["bin_high"] = edges[rel["bin"] + 1]
        self.reliability_ = rel[["bin_low", "bin_high", "customers", "mean_predicted", "observed"]]
        return self

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per row and feature ``β_j z_ij`` (log-odds), plus ``log_odds`` and ``risk``."""
        z = self._z(frame)
        contrib = pd.DataFrame(z * self.coef_.to_numpy(), columns=self.features_, index=frame.index)
        contrib["log_odds"] = self.intercept_ + contrib[self.features_].sum(axis=1)
        contrib["risk"] = 1 / (1 + np.exp(-contrib["log_odds"]))
        return contrib

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"coefficient": self.coef_, "odds_ratio_per_sd": np.exp(self.coef_)}
        ).rename_axis("feature")

    def print_summary(self) -> None:
        print(self.summary.to_string())  # noqa: T201
        if hasattr(self, "auc_"):
            print(f"AUC {self.auc_:.3f}  Brier {self.brier_:.3f}  n={self.n_test_}")  # noqa: T201


def most_at_risk(
    scored: pd.DataFrame,
    contributions: pd.DataFrame,
    *,
    value: str = "value",
    risk: str = "risk",
    top: int = 20,
    min_value_quantile: float = 0.8,
    reasons: int = 3,
) -> pd.DataFrame:
    """The valuable customers most at risk: among customers whose ``value`` (e.g. CLV or
    profit) is at or above the ``min_value_quantile`` quantile, the ``top`` with the largest
    expected loss ``risk × value``; ``reasons`` names the features that push each risk up most.
    """
    if not 0 <= min_value_quantile < 1:
        raise InputError(_("The value quantile must lie in [0, 1)."))
    v = pd.to_numeric(scored[value], errors="coerce")
    keep = v >= v.quantile(min_value_quantile)
    df = scored.loc[keep].copy()
    df["expected_loss"] = df[risk] * df[value]
    df = df.sort_values("expected_loss", ascending=False).head(top)
    feats = [c for c in contributions.columns if c not in ("log_odds", "risk")]
    c = contributions.loc[df.index, feats]
    names = np.asarray(feats, dtype=object)
    order = np.argsort(-c.to_numpy(), axis=1)[:, :reasons]
    vals = np.take_along_axis(c.to_numpy(), order, axis=1)
    df["reasons"] = [
        ", ".join(f"{n} (+{x:.2f})" for n, x in zip(names[o], row, strict=True) if x > 0)
        for o, row in zip(order, vals, strict=True)
    ]
    return df
