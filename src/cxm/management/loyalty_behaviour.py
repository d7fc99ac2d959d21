"""Behavioural loyalty from the store: repurchase, cross-buying, referrals, share of wallet,
the satisfaction–loyalty curve on behaviour and the silent defectors, as of a date.

Referrals come from the customer file's ``referred_by`` attribute (the external id of the
customer who referred them); share of wallet from the ``share_of_wallet`` attribute (0–1,
from an import) or, where the questionnaire asks it, the latest answer to ``SOW``
(percent, 0–100).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from cxm.analytics.loyalty_behaviour import (
    behavioural_loyalty,
    satisfaction_loyalty_curve,
    silent_defectors,
)
from cxm.customers.models import Purchase
from cxm.errors import InputError
from cxm.i18n import _
from cxm.management.churn import SATISFACTION_ITEM, satisfaction_answers
from cxm.management.churn_rules import ChurnBasis, ChurnRule, customers_as_of
from cxm.management.frames import customers_frame, raw_rows
from cxm.management.segments import members

__all__ = [
    "LoyaltyBehaviour",
    "SilentDefectorList",
    "answer_windows",
    "behaviour_by_segment",
    "loyalty_curve",
    "silent_defector_list",
]

WALLET_ITEM = "SOW"


@dataclass(frozen=True)
class LoyaltyBehaviour:
    """:func:`behaviour_by_segment`: the ``table`` per segment, the window (``as_of``,
    ``window_days``) and ``quality``, the segments below the minimum, in words."""

    table: pd.DataFrame
    as_of: date
    window_days: int
    quality: list[dict[str, Any]]


@dataclass(frozen=True)
class SilentDefectorList:
    """:func:`silent_defector_list`: the customers (``table``), largest spend before first,
    how many answered ``satisfied``, how many were ``found`` and their ``rate`` with a
    95 % interval, the settings (``window_days``, ``drop``) and the churn ``basis``."""

    table: pd.DataFrame
    satisfied: int
    found: int
    rate: float
    ci_low: float
    ci_high: float
    window_days: int
    drop: float
    basis: ChurnBasis

    @property
    def as_of(self) -> date:
        return self.basis.as_of


def _purchases(session: Session, day: pd.Timestamp) -> pd.DataFrame:
    q = select(
        Purchase.customer_id,
        type_coerce(Purchase.purchased_on, String),
        Purchase.product,
        type_coerce(Purchase.revenue, String),
    ).where(Purchase.purchased_on <= day.date())
    df = pd.DataFrame(raw_rows(session, q), columns=["customer_id", "day", "product", "revenue"])
    df["day"] = pd.to_datetime(df["day"])
    df["revenue"] = pd.to_numeric(df["revenue"], errors="coerce").fillna(0.0)
    return df


def _check_window(window_days: int) -> None:
    if window_days < 30:
        raise InputError(_("The window must be at least 30 days, not {d}.", d=window_days))


def behaviour_by_segment(
    session: Session,
    *,
    name: str | None = None,
    window_days: int = 365,
    as_of: Any = None,
    min_n: int = 30,
) -> LoyaltyBehaviour:
    """Per segment of ``name`` (or all customers): repurchase, cross-buying, referral rate
    and share of wallet over the ``window_days`` up to the analysis date, for customers who
    bought in that window, with ``quality`` (segments below ``min_n``)."""
    from cxm.analytics.quality import group_flags

    _check_window(window_days)
    _everyone, basis = customers_as_of(session, as_of=as_of, rule=ChurnRule(rule="recorded"))
    day = pd.Timestamp(basis.as_of)
    start = day - pd.Timedelta(days=window_days - 1)
    buys = _purchases(session, day)
    recent = buys[buys["day"] >= start]
    if recent.empty:
        raise InputError(
            _("No purchases in the {d} days up to {day}.", d=window_days, day=day.date())
        )
    per = recent.groupby("customer_id").agg(
        purchase_days=("day", "nunique"), categories=("product", "nunique")
    )
    info = customers_frame(session, attributes=True).set_index("customer_id")
    external = info["attributes"].map(lambda a: (a or {}).get("referred_by"))
    by_external = _external_ids(session)
    referred = external.dropna().map(by_external).dropna()
    keys = per.index.to_series()
    per["referrals"] = keys.map(referred.astype(int).value_counts()).fillna(0).astype(int)
    wallet = info["attributes"].map(lambda a: (a or {}).get("share_of_wallet"))
    per["share_of_wallet"] = pd.to_numeric(keys.map(wallet), errors="coerce")
    sow = satisfaction_answers(session, item=WALLET_ITEM)
    if not sow.empty:
        asked = sow.set_index("customer_id")[WALLET_ITEM].astype(float) / 100
        per["share_of_wallet"] = per["share_of_wallet"].fillna(keys.map(asked))
    per = per.reset_index()
    if name is None:
        per["segment"] = "all"
    else:
        per = per.merge(members(session, name), on="customer_id", how="inner")
    out = behavioural_loyalty(per)
    return LoyaltyBehaviour(
        table=out,
        as_of=day.date(),
        window_days=window_days,
        quality=[
            f.to_dict()
            for f in group_flags(zip(out["segment"], out["customers"], strict=True), min_n=min_n)
        ],
    )


def _external_ids(session: Session) -> pd.Series:
    from cxm.customers.models import Customer

    rows = raw_rows(session, select(Customer.external_id, Customer.id))
    frame = pd.DataFrame(rows, columns=["external_id", "id"])
    return pd.Series(frame["id"].to_numpy(), index=frame["external_id"].astype(str).to_numpy())


def answer_windows(
    session: Session, item: str, day: pd.Timestamp, window_days: int
) -> pd.DataFrame:
    """Each customer's latest answer to ``item`` made at least ``window_days`` before the
    analysis date, with revenue in the window before and after it."""
    answers = satisfaction_answers(session, item=item)
    if answers.empty:
        raise InputError(
            _("No answers to {item}: the curve needs satisfaction answers.", item=item)
        )
    window = pd.Timedelta(days=window_days)
    when = pd.to_datetime(answers["completed_at"], utc=True).dt.tz_localize(None).dt.normalize()
    answers = answers.assign(answered=when)
    answers = answers[answers["answered"] + window <= day]
    if answers.empty:
        raise InputError(
            _(
                "No answer to {item} is {d} days older than {day}: nothing to follow up yet.",
                item=item,
                d=window_days,
                day=day.date(),
            )
        )
    buys = _purchases(session, day).merge(
        answers[["customer_id", "answered"]], on="customer_id", how="inner"
    )
    after = (buys["day"] > buys["answered"]) & (buys["day"] <= buys["answered"] + window)
    before = (buys["day"] > buys["answered"] - window) & (buys["day"] <= buys["answered"])
    spend_after = buys[after].groupby("customer_id")["revenue"].sum()
    spend_before = buys[before].groupby("customer_id")["revenue"].sum()
    days_after = buys[after].groupby("customer_id")["day"].nunique()
    out = answers[["customer_id", item, "answered"]].copy()
    ids = out["customer_id"]
    out["spend_before"] = ids.map(spend_before).fillna(0.0).to_numpy()
    out["spend_after"] = ids.map(spend_after).fillna(0.0).to_numpy()
    out["repurchased"] = (ids.map(days_after).fillna(0) > 0).astype(int).to_numpy()
    return out


def loyalty_curve(
    session: Session,
    *,
    item: str = SATISFACTION_ITEM,
    window_days: int = 180,
    as_of: Any = None,
    min_n: int = 30,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The satisfaction–loyalty curve on behaviour: repurchase and spend in the
    ``window_days`` after each customer's answer to ``item``, by satisfaction level, with
    the top box against "satisfied" (:func:`~cxm.analytics.loyalty_behaviour.
    satisfaction_loyalty_curve`)."""
    _check_window(window_days)
    day = pd.Timestamp(customers_as_of(session, as_of=as_of)[1].as_of)
    data = answer_windows(session, item, day, window_days)
    curve, contrast = satisfaction_loyalty_curve(data, item, min_n=min_n)
    contrast |= {"as_of": day.date(), "window_days": window_days, "item": item}
    return curve, contrast


def silent_defector_list(
    session: Session,
    *,
    item: str = SATISFACTION_ITEM,
    window_days: int = 180,
    drop: float = 0.5,
    satisfied_from: float = 4,
    as_of: Any = None,
    rule: ChurnRule | None = None,
) -> SilentDefectorList:
    """Customers who answered ``item`` satisfied and then spent more than ``drop`` less in
    the ``window_days`` after than before, or were lost (``rule``) after answering."""
    _check_window(window_days)
    customers, basis = customers_as_of(session, as_of=as_of, rule=rule)
    day = pd.Timestamp(basis.as_of)
    data = answer_windows(session, item, day, window_days)
    lost_on = data["customer_id"].map(customers.set_index("customer_id")["churned_on"])
    data["churned_after"] = (pd.to_datetime(lost_on) > data["answered"]).to_numpy()
    found = silent_defectors(data, item, satisfied_from=satisfied_from, drop=drop)
    cols = ["customer_id", item, "answered", "spend_before", "spend_after", "spend_change", "why"]
    table = found.table[cols].sort_values("spend_before", ascending=False)
    return SilentDefectorList(
        table=table.reset_index(drop=True),
        satisfied=found.satisfied,
        found=found.found,
        rate=found.rate,
        ci_low=found.ci_low,
        ci_high=found.ci_high,
        window_days=window_days,
        drop=drop,
        basis=basis,
    )
