"""Read what management analytics need from the store, as DataFrames.

Aggregations (profit per customer, RFM totals, complaint counts) run in the database, so
10 million purchases never cross into Python as rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, String, func, select, type_coerce
from sqlalchemy.orm import Session

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.frames.cache import raw_rows, read_once, sharing_reads

__all__ = [
    "complaint_counts",
    "customers_frame",
    "last_activity_date",
    "latest_answers",
    "observation_start",
    "profit_by_customer",
    "purchase_totals",
    "purchases_frame",
    "raw_rows",
    "analysis_date",
]


def _frame(session: Session, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(raw_rows(session, query), columns=columns)


def _money(expr: Any) -> Any:
    """A sum of Numeric columns read as float: SQLAlchemy would build a Decimal per row."""
    return type_coerce(expr, Float)


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


def _period(query: Any, start: date | None, end: date | None) -> Any:
    if start is not None:
        query = query.where(Purchase.purchased_on >= start)
    if end is not None:
        query = query.where(Purchase.purchased_on < end)
    return query


@read_once
def profit_by_customer(
    session: Session, *, start: date | None = None, end: date | None = None
) -> pd.Series:
    """Profit (revenue − cost, a missing cost as 0) per customer id over ``[start, end)``."""
    profit = _money(func.sum(Purchase.revenue - func.coalesce(Purchase.cost, 0)))
    key = Purchase.customer_id  # the covering index's leading column: sums read it in order
    q = _period(select(key, profit).group_by(key), start, end)
    df = _frame(session, q, ["customer_id", "profit"])
    return pd.Series(
        df["profit"].astype(float).to_numpy(), index=df["customer_id"].to_numpy(), name="profit"
    )


@read_once
def purchase_totals(
    session: Session, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Per customer: last purchase date, number of purchases, revenue and profit."""
    key = Purchase.customer_id  # the covering index's leading column: sums read it in order
    q = _period(
        select(
            key,
            func.max(Purchase.purchased_on),
            func.count(),
            _money(func.sum(Purchase.revenue)),
            _money(func.sum(Purchase.revenue - func.coalesce(Purchase.cost, 0))),
        ).group_by(key),
        start,
        end,
    )
    df = _frame(session, q, ["customer_id", "last_purchase", "frequency", "revenue", "profit"])
    df["last_purchase"] = pd.to_datetime(df["last_purchase"])
    for c in ("revenue", "profit"):
        df[c] = df[c].astype(float)
    return df


@read_once
def purchases_frame(session: Session, *, end: date | None = None) -> pd.DataFrame:
    """Every purchase (customer, date, revenue, cost) up to ``end`` — for purchase-history
    models (BG/NBD) that need each transaction."""
    q = _period(
        select(Purchase.customer_id, Purchase.purchased_on, Purchase.revenue, Purchase.cost),
        None,
        end,
    )
    df = _frame(session, q, ["customer_id", "purchased_on", "revenue", "cost"])
    df["purchased_on"] = pd.to_datetime(df["purchased_on"])
    for c in ("revenue", "cost"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


@read_once
def complaint_counts(
    session: Session, *, start: datetime | None = None, end: datetime | None = None
) -> pd.Series:
    """Complaint touchpoints per customer id in ``[start, end)``."""
    q = (
        select(Touchpoint.customer_id, func.count())
        .where(Touchpoint.stage == JourneyStage.COMPLAINT)
        .group_by(Touchpoint.customer_id)
    )
    if start is not None:
        q = q.where(Touchpoint.occurred_at >= start)
    if end is not None:
        q = q.where(Touchpoint.occurred_at < end)
    df = _frame(session, q, ["customer_id", "complaints"])
    return pd.Series(df["complaints"].to_numpy(), index=df["customer_id"].to_numpy(), dtype=float)


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
