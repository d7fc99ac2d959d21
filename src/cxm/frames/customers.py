"""Read what management analytics need from the store, as DataFrames.

Aggregations (profit per customer, RFM totals, the per-customer table, complaint counts) are
the Ibis definitions of :mod:`cxm.frames.aggregations`, run where ``CXM_COMPUTE`` says
(:mod:`cxm.frames.engines`: the store's database by default), so 10 million purchases never
cross into Python as rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Purchase
from cxm.frames.cache import raw_rows, read_once, sharing_reads

__all__ = [
    "analysis_date",
    "bgnbd_inputs",
    "complaint_counts",
    "contact_counts",
    "customer_table",
    "customers_frame",
    "first_purchases",
    "last_activity_date",
    "latest_answers",
    "observation_start",
    "profit_by_customer",
    "purchase_totals",
    "raw_rows",
]


def _frame(session: Session, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(raw_rows(session, query), columns=columns)


@read_once
def customers_frame(
    session: Session, *, attributes: bool = False, dates_only: bool = False
) -> pd.DataFrame:
    """One row per customer: id, acquired_on, status, churned_on and churn_reason (code);
    with ``attributes`` also region, channel and the JSON ``attributes`` (what segment
    rules test); with ``dates_only`` just id, acquired_on and churned_on (what churn rates
    need)."""
    if dates_only and sharing_reads() and not attributes:
        # Inside a report other sections read the customers anyway: cut that one frame.
        return customers_frame(session)[["customer_id", "acquired_on", "churned_on"]]
    # type_coerce skips SQLAlchemy's per-row Date/Enum conversion: dates come back as ISO
    # strings (SQLite) or dates (PostgreSQL) and are parsed once, vectorised, by pandas.
    cols: dict[str, Any] = {
        "customer_id": Customer.id,
        "acquired_on": type_coerce(Customer.acquired_on, String),
        "status": type_coerce(Customer.status, String),
        "churned_on": type_coerce(Customer.churned_on, String),
        "churn_reason": type_coerce(Customer.churn_reason, String),
    }
    if dates_only:
        cols = {k: cols[k] for k in ("customer_id", "acquired_on", "churned_on")}
    if attributes:
        cols |= {
            "region": Customer.region,
            "channel": Customer.channel,
            "attributes": Customer.attributes,
        }
    df = _frame(session, select(*cols.values()).order_by(Customer.id), list(cols))
    for c in ("acquired_on", "churned_on"):
        df[c] = pd.to_datetime(df[c].astype(object).where(df[c].notna(), None))
    if attributes:  # SQLite hands JSON over as text; PostgreSQL's driver already parsed it
        df["attributes"] = df["attributes"].map(
            lambda v: json.loads(v) if isinstance(v, str | bytes) else (v or {})
        )
    return df


def _aggregate(session: Session, name: str, **params: Any) -> pd.DataFrame:
    from cxm.frames.engines import aggregate

    return aggregate(session, name, **params)


def _money(cents: pd.Series) -> np.ndarray:
    """Integer cents as currency units (float): exact to the cent."""
    return cents.to_numpy(dtype=np.int64) / 100.0


@read_once
def profit_by_customer(
    session: Session, *, start: date | None = None, end: date | None = None
) -> pd.Series:
    """Profit (revenue − cost, a missing cost as 0) per customer id over ``[start, end)``
    (the ``profit`` aggregation, summed in cents on the ``CXM_COMPUTE`` engine)."""
    df = _aggregate(session, "profit", start=start, end=end)
    return pd.Series(_money(df["profit_cents"]), index=df["customer_id"].to_numpy(), name="profit")


@read_once
def purchase_totals(
    session: Session, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Per customer: last purchase date, number of purchases, revenue and profit."""
    df = _aggregate(session, "totals", start=start, end=end)
    return pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "last_purchase": df["last_purchase"],
            "frequency": df["frequency"],
            "revenue": _money(df["revenue_cents"]),
            "profit": _money(df["profit_cents"]),
        }
    )


@read_once
def first_purchases(session: Session) -> pd.Series:
    """The first purchase date per customer id."""
    df = _aggregate(session, "first_purchases")
    return pd.Series(df["first_purchase"].to_numpy(), index=df["customer_id"].to_numpy())


@read_once
def customer_table(session: Session, *, as_of: date) -> pd.DataFrame:
    """The per-customer table up to and including ``as_of`` (the ``customers``
    aggregation): first and last purchase, orders, purchase days, revenue, cost, profit and
    first-day profit in cents, and the day counts ``span_days``, ``observed_days``,
    ``recency_days``."""
    return _aggregate(session, "customers", as_of=as_of)


def bgnbd_inputs(session: Session, *, as_of: Any, unit_days: float = 7.0) -> pd.DataFrame:
    """Per customer with a purchase up to ``as_of`` the BG/NBD inputs, as
    :func:`cxm.analytics.bgnbd.rfm_summary` gives them with ``value="profit"``: ``x``
    (repeat purchase days), ``t_x`` and ``T`` (in ``unit_days``), ``monetary`` (mean profit
    of the repeat purchase days, 0 without one) and ``mean_value`` (of all purchase days)."""
    day = pd.Timestamp(as_of)
    c = customer_table(session, as_of=day.date())
    x = (c["purchase_days"] - 1).to_numpy(dtype=float)
    total = _money(c["profit_cents"])
    first = _money(c["first_day_profit_cents"])
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(x > 0, (total - first) / x, 0.0)
    return pd.DataFrame(
        {
            "customer_id": c["customer_id"].to_numpy(),
            "x": x,
            "t_x": c["span_days"].to_numpy(dtype=float) / unit_days,
            "T": c["observed_days"].to_numpy(dtype=float) / unit_days,
            "monetary": monetary,
            "mean_value": total / c["purchase_days"].to_numpy(dtype=float),
        }
    )


@read_once
def complaint_counts(
    session: Session, *, start: datetime | None = None, end: datetime | None = None
) -> pd.Series:
    """Complaint touchpoints per customer id in ``[start, end)``."""
    df = _aggregate(
        session, "contacts", stage=str(JourneyStage.COMPLAINT), start_at=start, end_at=end
    )
    return pd.Series(df["contacts"].to_numpy(), index=df["customer_id"].to_numpy(), dtype=float)


@read_once
def contact_counts(session: Session) -> pd.Series:
    """Touchpoints per customer id (every stage): what the cost to serve counts."""
    df = _aggregate(session, "contacts")
    return pd.Series(df["contacts"].to_numpy(), index=df["customer_id"].to_numpy(), dtype=float)


@read_once
def _activity_span(session: Session) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and the latest purchase or churn date: one scan of each table."""
    first_buy, last_buy = session.execute(
        select(func.min(Purchase.purchased_on), func.max(Purchase.purchased_on))
    ).one()
    first_churn, last_churn = session.execute(
        select(func.min(Customer.churned_on), func.max(Customer.churned_on))
    ).one()
    firsts = [pd.Timestamp(d) for d in (first_buy, first_churn) if d is not None]
    lasts = [pd.Timestamp(d) for d in (last_buy, last_churn) if d is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def last_activity_date(session: Session) -> pd.Timestamp | None:
    """The latest purchase or churn date in the file: the natural 'as of' of an analysis."""
    return _activity_span(session)[1]


def analysis_date(session: Session, as_of: Any = None) -> pd.Timestamp:
    """The date an analysis is made as of: ``as_of`` (checked to lie within the data) or the
    last purchase or churn date (:func:`cxm.clock.check_as_of`)."""
    from cxm.clock import check_as_of

    first, last = _activity_span(session)
    day = check_as_of(
        as_of,
        first=first.date() if first is not None else None,
        last=last.date() if last is not None else None,
    )
    return pd.Timestamp(day)


def observation_start(session: Session) -> pd.Timestamp | None:
    """The first purchase or churn date in the file: where churn can first be observed."""
    return _activity_span(session)[0]


def latest_answers(
    responses: pd.DataFrame, items: list[str], *, before: Any = None
) -> pd.DataFrame:
    """Each customer's most recent answers to ``items`` (completed before ``before``)."""
    if responses.empty or "customer_id" not in responses:
        return pd.DataFrame(columns=["customer_id", *items])
    df = responses.dropna(subset=["customer_id"])
    if before is not None:
        cut = pd.Timestamp(before)
        cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut
        df = df[df["completed_at"] < cut]
    present = [c for c in items if c in df]
    df = df.sort_values("completed_at").groupby("customer_id", sort=False).tail(1)
    out = df[["customer_id", *present]].copy()
    for c in items:
        if c not in out:
            out[c] = np.nan
    out["customer_id"] = out["customer_id"].astype(int)
    return out.reset_index(drop=True)
