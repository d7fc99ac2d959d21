"""Churn risk per customer from satisfaction answers, complaints and purchase behaviour.

A penalised logistic regression (scikit-learn) on standardised features, fitted on earlier
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

__all__ = ["ChurnRiskModel", "most_at_risk", "time_holdout"]


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


class ChurnRiskModel:
    """Logistic churn model with standardised features and explained scores.

    ``P(churn) = σ(β₀ + Σ_j β_j z_j)``, ``z_j = (x_j − mean_j) / sd_j`` after filling a
    missing value with the training median. L2 penalty ``C`` (scikit-learn
    ``LogisticRegression``). Evaluation: AUC (Hanley & McNeil 1982), Brier score
    ``mean((p − y)²)`` (Brier 1950) and reliability bins (DeGroot & Fienberg 1983).

    Attributes after :meth:`fit`: ``features_``, ``coef_`` (per standardised feature),
    ``intercept_``, ``n_train_``; after :meth:`evaluate`: ``auc_``, ``brier_``,
    ``reliability_``, ``n_test_``, ``base_rate_``.
    """

    def __init__(
        self, *, features: Sequence[str] | None = None, C: float = 1.0, bins: int = 10
    ) -> None:
        self.features = list(features) if features is not None else None
        self.C = C
        self.bins = bins

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features_ if f not in frame]
        if missing:
            raise InputError(_("Missing feature columns: {cols}", cols=", ".join(missing)))
        x = frame[self.features_].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        x = np.where(np.isnan(x), self._median, x)
        return np.asarray((x - self._mean) / self._sd)

    def fit(self, train: pd.DataFrame, *, label: str = "churned") -> Self:
        from sklearn.linear_model import LogisticRegression

        feats = self.features or [
            c for c in train.columns if c != label and pd.api.types.is_numeric_dtype(train[c])
        ]
        if not feats:
            raise InputError(_("No numeric feature columns to model churn with."))
        y = pd.to_numeric(train[label], errors="coerce").to_numpy()
        if np.isnan(y).any() or len(np.unique(y)) != 2:
            raise InputError(_("The training rows need both churned and retained customers."))
        self.features_ = list(feats)
        raw = train[self.features_].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        all_nan = np.isnan(raw).all(axis=0)
        if all_nan.any():
            bad = [f for f, b in zip(self.features_, all_nan, strict=True) if b]
            raise InputError(_("Feature columns with no values: {cols}", cols=", ".join(bad)))
        self._median = np.nanmedian(raw, axis=0)
        filled = np.where(np.isnan(raw), self._median, raw)
        self._mean = filled.mean(axis=0)
        sd = filled.std(axis=0)
        self._sd = np.where(sd > 0, sd, 1.0)
        model = LogisticRegression(C=self.C, max_iter=2000)
        model.fit((filled - self._mean) / self._sd, y.astype(int))
        self._model = model
        self.coef_ = pd.Series(model.coef_[0], index=self.features_, name="coefficient")
        self.intercept_ = float(model.intercept_[0])
        self.n_train_ = len(y)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn for each row."""
        return np.asarray(self._model.predict_proba(self._matrix(frame))[:, 1])

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
        z = self._matrix(frame)
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
