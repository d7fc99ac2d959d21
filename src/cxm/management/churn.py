"""Churn from the store: rates per segment, reasons beside the benchmark, survival curves,
and the churn-risk model with its holdout figures and the valuable customers most at risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.churn import ChurnReasons, churn_rates, churn_reasons, survival_curves
from cxm.analytics.churn_risk import ChurnRiskModel, most_at_risk, time_holdout
from cxm.customers.codes import CHURN_REASON_BENCHMARK
from cxm.errors import InputError
from cxm.frames.customers import (
    complaint_counts,
    latest_answers,
    observation_start,
    purchase_totals,
)
from cxm.i18n import _
from cxm.management.churn_rules import ChurnBasis, ChurnRule, customers_as_of
from cxm.management.segments import members

__all__ = [
    "ChurnReport",
    "RiskResult",
    "ScoredCustomers",
    "Survival",
    "churn_report",
    "risk_features",
    "risk_model",
    "satisfaction_answers",
    "score_customers",
    "survival",
]

SATISFACTION_ITEM = "CUSA1"


@dataclass(frozen=True)
class ChurnReport:
    """:func:`churn_report`: churn ``rates`` per segment and period, the ``reasons`` of
    churned customers beside the benchmark, the ``basis`` (date and churn rule) and
    ``quality``, the weak figures of the latest period in words."""

    rates: pd.DataFrame
    reasons: ChurnReasons
    basis: ChurnBasis
    quality: list[dict[str, Any]]


@dataclass(frozen=True)
class Survival:
    """:func:`survival`: Kaplan–Meier ``curves`` and ``summary`` per group, the log-rank
    p-value across the groups, the customers ``left_out`` (no acquisition date) and the
    ``basis`` (date and churn rule)."""

    curves: pd.DataFrame
    summary: pd.DataFrame
    logrank_p: float
    left_out: int
    basis: ChurnBasis


@dataclass(frozen=True)
class ScoredCustomers:
    """:func:`score_customers`: the valuable customers most at risk (``at_risk``), how
    many customers were ``scored`` and the ``basis`` (date and churn rule)."""

    at_risk: pd.DataFrame
    scored: int
    basis: ChurnBasis


def _with_segments(
    session: Session, name: str | None, *, as_of: Any = None, rule: ChurnRule | None = None
) -> tuple[pd.DataFrame, ChurnBasis]:
    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    if name is None:
        return customers.assign(segment="all"), basis
    return customers.merge(members(session, name), on="customer_id", how="inner"), basis


def churn_report(
    session: Session,
    *,
    name: str | None = None,
    freq: str = "Y",
    as_of: Any = None,
    rule: ChurnRule | None = None,
    min_n: int = 30,
) -> ChurnReport:
    """Churn rate per segment and period (windows counted back from the analysis date, by
    default the last activity in the file) and the reasons of churned customers beside the
    benchmark. Churn is recorded or behavioural (``rule``, see
    :mod:`cxm.management.churn_rules`); the report's ``basis`` says which rule and date."""
    customers, basis = _with_segments(session, name, as_of=as_of, rule=rule)
    end = pd.Timestamp(basis.as_of)
    if customers.empty:
        raise InputError(_("No customers or no activity dates: nothing to report on churn."))
    rates = churn_rates(
        customers, freq=freq, align="end", start=observation_start(session), end=end
    )
    from cxm.analytics.quality import group_flags

    latest = rates[rates["start"] == rates["start"].max()]
    quality = [
        f.to_dict()
        for f in group_flags(zip(latest["segment"], latest["at_risk"], strict=True), min_n=min_n)
    ]
    churned = customers[customers["status"] == "churned"]
    bench = {k.value: v for k, v in CHURN_REASON_BENCHMARK.items()}
    reasons = churn_reasons(churned["churn_reason"], bench)
    return ChurnReport(rates=rates, reasons=reasons, basis=basis, quality=quality)


def satisfaction_answers(session: Session, *, item: str = SATISFACTION_ITEM) -> pd.DataFrame:
    """Each customer's latest answer to ``item`` with its time (empty without surveys)."""
    from cxm.frames.responses import responses_frame

    answers = responses_frame(session)
    if answers.empty or item not in answers:
        return pd.DataFrame(columns=["customer_id", item, "completed_at"])
    # Latest answer *to this item*: a later response to another questionnaire (a
    # moment-of-truth rating, say) must not hide it.
    latest = latest_answers(answers.dropna(subset=[item]), [item, "completed_at"])
    return latest.dropna(subset=[item])


def survival(
    session: Session,
    *,
    by: str = "segment",
    name: str | None = None,
    item: str = SATISFACTION_ITEM,
    at_months: tuple[float, ...] = (12, 24, 36),
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> Survival:
    """Kaplan–Meier curves of customer lifetime in months, per segment of ``name`` or per
    satisfaction level (the latest answer to ``item``). Customers without an acquisition
    date are left out (counted in ``left_out``)."""
    if by not in ("segment", "satisfaction"):
        raise InputError(_("Survival is by segment or satisfaction, not {by}.", by=by))
    customers, basis = _with_segments(
        session, name if by == "segment" else None, as_of=as_of, rule=rule
    )
    day = pd.Timestamp(basis.as_of)
    if by == "satisfaction":
        sat = satisfaction_answers(session, item=item)
        if as_of is not None:  # an explicit date: only what was answered by then
            sat = sat[pd.to_datetime(sat["completed_at"], utc=True) < _end_of(day)]
        if sat.empty:
            raise InputError(
                _("No answers to {item}: survival by satisfaction needs them.", item=item)
            )
        customers = customers.drop(columns="segment").merge(sat, on="customer_id", how="inner")
        customers["segment"] = customers[item].round().astype(int).astype(str)
    known = customers.dropna(subset=["acquired_on"])
    if known.empty:
        raise InputError(_("No customers with an acquisition date."))
    end = known["churned_on"].where(known["churned_on"].notna(), day)
    months = (end - known["acquired_on"]).dt.days / (365.25 / 12)
    fitted = survival_curves(
        months.clip(lower=0).to_numpy(),
        known["churned_on"].notna().to_numpy(),
        known["segment"].to_numpy(),
        at=at_months,
    )
    return Survival(
        curves=fitted.curves,
        summary=fitted.summary,
        logrank_p=fitted.logrank_p,
        left_out=int(len(customers) - len(known)),
        basis=basis,
    )


def _end_of(day: pd.Timestamp) -> pd.Timestamp:
    """The end of an analysis date (UTC), for times stored in UTC."""
    return (day + pd.Timedelta(days=1)).tz_localize("UTC")


def risk_features(
    session: Session,
    *,
    at: pd.Timestamp,
    horizon_days: int,
    item: str = SATISFACTION_ITEM,
    answers: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customers active at ``at`` with what was known then — latest satisfaction answer,
    complaints, purchases and profit in the past year, days since the last purchase, tenure —
    and ``churned`` = left within ``horizon_days`` after ``at`` (when that is observed).
    ``customers`` (default: :func:`~cxm.management.churn_rules.customers_as_of`) carries
    the churn dates."""
    if customers is None:
        customers = customers_as_of(session)[0]
    active = customers[
        (customers["acquired_on"].isna() | (customers["acquired_on"] <= at))
        & (customers["churned_on"].isna() | (customers["churned_on"] > at))
    ]
    year_ago = at - pd.Timedelta(days=365)
    totals = purchase_totals(session, start=year_ago.date(), end=(at + pd.Timedelta(days=1)).date())
    totals = totals.set_index("customer_id")
    complaints = complaint_counts(session, start=year_ago.to_pydatetime(), end=at.to_pydatetime())
    df = pd.DataFrame({"customer_id": active["customer_id"].to_numpy(), "snapshot": at})
    ids = df["customer_id"]
    df["purchases_1y"] = ids.map(totals["frequency"]).fillna(0).astype(float).to_numpy()
    df["profit_1y"] = ids.map(totals["profit"]).fillna(0.0).to_numpy()
    last = ids.map(totals["last_purchase"])
    df["days_since_purchase"] = (at - pd.to_datetime(last)).dt.days.fillna(366).to_numpy()
    df["complaints_1y"] = ids.map(complaints).fillna(0).to_numpy()
    df["tenure_days"] = (at - active["acquired_on"]).dt.days.to_numpy()
    if answers is not None and not answers.empty and item in answers:
        sat = latest_answers(answers, [item], before=at).set_index("customer_id")[item]
        df["satisfaction"] = ids.map(sat).astype(float).to_numpy()
    churn_day = active["churned_on"].to_numpy()
    horizon_end = np.datetime64(at + pd.Timedelta(days=horizon_days))
    df["churned"] = (~np.isnat(churn_day) & (churn_day <= horizon_end)).astype(int)
    return df


@dataclass(frozen=True)
class RiskResult:
    auc: float
    brier: float
    base_rate: float
    n_train: int
    n_test: int
    coefficients: pd.DataFrame
    reliability: pd.DataFrame
    at_risk: pd.DataFrame
    snapshots: dict[str, Any]
    #: Weak figures in words (:mod:`cxm.analytics.quality`), e.g. an AUC under 0.65.
    quality: list[dict[str, Any]]
    #: The fitted pipeline, to save (``ChurnRiskModel.save``) and score new customers with.
    model: ChurnRiskModel
    #: The chosen L2 strength (cross-validated).
    penalty_c: float

    def results(self) -> dict[str, Any]:
        """The JSON-able figures saved beside the model."""
        return {
            "auc": self.auc,
            "brier": self.brier,
            "base_rate": self.base_rate,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "penalty_c": self.penalty_c,
            "snapshots": self.snapshots,
            "quality": self.quality,
        }


def risk_model(
    session: Session,
    *,
    horizon_days: int = 180,
    train_snapshots: int = 3,
    top: int = 20,
    value_quantile: float = 0.8,
    item: str = SATISFACTION_ITEM,
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> RiskResult:
    """Fit the churn-risk model on earlier snapshots, test it on a later one, and score the
    customers active now.

    Test snapshot ``T₁ = last activity − horizon``; training snapshots ``T₁ − k·horizon``
    (k = 1…``train_snapshots``), each labelled by churn in the following ``horizon_days``
    — so no training label looks past ``T₁``. Value = profit in the past year.
    """
    if horizon_days < 30:
        raise InputError(_("The horizon must be at least 30 days, not {d}.", d=horizon_days))
    from cxm.frames.responses import responses_frame

    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    day = pd.Timestamp(basis.as_of)
    answers = responses_frame(session)
    if as_of is not None and not answers.empty and "completed_at" in answers:
        answers = answers[pd.to_datetime(answers["completed_at"], utc=True) < _end_of(day)]
    step = pd.Timedelta(days=horizon_days)
    test_at = day - step
    snaps = [test_at - k * step for k in range(train_snapshots, 0, -1)] + [test_at]
    frames = [
        risk_features(
            session,
            at=t,
            horizon_days=horizon_days,
            item=item,
            answers=answers,
            customers=customers,
        )
        for t in snaps
    ]
    data = pd.concat(frames, ignore_index=True)
    features = [c for c in data.columns if c not in ("customer_id", "snapshot", "churned")]
    features = [f for f in features if data[f].notna().any()]
    train, test = time_holdout(data, cutoff=test_at)
    model = ChurnRiskModel(features=features).fit(train).evaluate(test)
    now = risk_features(
        session, at=day, horizon_days=horizon_days, item=item, answers=answers, customers=customers
    )
    contrib = model.contributions(now)
    scored = now.assign(risk=contrib["risk"].to_numpy(), value=now["profit_1y"])
    top_list = most_at_risk(scored, contrib, top=top, min_value_quantile=value_quantile)
    cols = ["customer_id", "risk", "value", "expected_loss", "reasons", *features]
    from cxm.analytics.quality import auc_flags

    return RiskResult(
        quality=[f.to_dict() for f in auc_flags(model.auc_)],
        model=model,
        penalty_c=model.C_,
        auc=model.auc_,
        brier=model.brier_,
        base_rate=model.base_rate_,
        n_train=model.n_train_,
        n_test=model.n_test_,
        coefficients=model.summary.reset_index(),
        reliability=model.reliability_,
        at_risk=top_list[cols].reset_index(drop=True),
        snapshots={
            "train": [t.date() for t in snaps[:-1]],
            "test": test_at.date(),
            "scored_at": day.date(),
            "horizon_days": horizon_days,
            "churn_rule": basis.churn_rule,
        },
    )


def score_customers(
    session: Session,
    model: ChurnRiskModel,
    *,
    horizon_days: int = 180,
    top: int = 20,
    value_quantile: float = 0.8,
    item: str = SATISFACTION_ITEM,
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> ScoredCustomers:
    """Score the customers active on the analysis date with a saved model
    (:meth:`ChurnRiskModel.load`): the ``top`` valuable customers most at risk, with reasons."""
    from cxm.frames.responses import responses_frame

    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    day = pd.Timestamp(basis.as_of)
    answers = responses_frame(session)
    if as_of is not None and not answers.empty and "completed_at" in answers:
        answers = answers[pd.to_datetime(answers["completed_at"], utc=True) < _end_of(day)]
    now = risk_features(
        session, at=day, horizon_days=horizon_days, item=item, answers=answers, customers=customers
    )
    contrib = model.contributions(now)
    scored = now.assign(risk=contrib["risk"].to_numpy(), value=now["profit_1y"])
    top_list = most_at_risk(scored, contrib, top=top, min_value_quantile=value_quantile)
    cols = ["customer_id", "risk", "value", "expected_loss", "reasons", *model.features_]
    return ScoredCustomers(
        at_risk=top_list[cols].reset_index(drop=True), scored=len(now), basis=basis
    )
