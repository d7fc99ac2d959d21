"""The per-customer table computed where the data lives and written back to the store.

``cxm compute customers --source purchases.parquet`` runs the ``customers`` aggregation
(:mod:`cxm.frames.aggregations`) on DuckDB, Spark or the store's database and writes one
row per customer into ``customer_aggregates`` through the store's bulk writer
(:mod:`cxm.store.bulk`: COPY on PostgreSQL, batched executemany on SQLite), replacing what
was there, in one transaction: a source naming a customer the store does not know is
refused before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cxm.errors import InputError
from cxm.i18n import _
from cxm.store.base import Base, utcnow

__all__ = ["ComputeResult", "CustomerAggregate", "compute_customers", "read_aggregates"]


class CustomerAggregate(Base):
    """One customer's purchase figures as of a date, as an engine computed them."""

    __tablename__ = "customer_aggregates"

    customer_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    engine: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_purchase: Mapped[date] = mapped_column(Date)
    last_purchase: Mapped[date] = mapped_column(Date)
    orders: Mapped[int] = mapped_column(BigInteger)
    purchase_days: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    profit_cents: Mapped[int] = mapped_column(BigInteger)
    first_day_profit_cents: Mapped[int] = mapped_column(BigInteger)
    span_days: Mapped[int] = mapped_column(Integer)
    observed_days: Mapped[int] = mapped_column(Integer)
    recency_days: Mapped[int] = mapped_column(Integer)


#: The aggregation's columns kept in the table (besides customer_id).
_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "orders",
    "purchase_days",
    "revenue_cents",
    "cost_cents",
    "profit_cents",
    "first_day_profit_cents",
    "span_days",
    "observed_days",
    "recency_days",
)


@dataclass(frozen=True)
class ComputeResult:
    engine: str
    source: str
    as_of: date
    customers: int
    compute_seconds: float
    write_seconds: float


def _latest_day(engine: Any) -> date | None:
    """The last purchase date in an engine's purchases (the natural 'as of')."""
    p = engine.table("purchases")
    value = engine.backend.execute(p.purchased_on.max())
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def compute_customers(
    session: Session,
    *,
    engine: str,
    source: str | Path | None = None,
    as_of: date | None = None,
    on_phase: Callable[[str], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ComputeResult:
    """Compute the per-customer table on ``engine`` (store, duckdb, spark) over ``source``
    (a Parquet/CSV file or folder of purchases, a lake folder or a DuckDB file; the store's
    purchases when ``None``) as of ``as_of`` (default: the last purchase date) and replace
    ``customer_aggregates`` with it. ``on_phase`` hears "compute"/"write", ``on_total``
    the number of rows to write, ``on_batch`` each written batch."""
    from cxm.customers.models import Customer
    from cxm.frames.customers import analysis_date
    from cxm.frames.engines import ENGINES, _on_store, engine_for
    from cxm.store.bulk import insert_rows

    if engine not in ENGINES:
        raise InputError(
            _("Unknown engine {kind}: use one of {kinds}.", kind=engine, kinds=", ".join(ENGINES))
        )
    if engine == "store" and source:
        raise InputError(_("The store engine reads the store: leave out --source."))
    if source is not None and not Path(source).exists():
        raise InputError(_("No such file or folder: {path}.", path=str(source)))
    if on_phase:
        on_phase("compute")
    started = time.perf_counter()
    if engine == "store":
        day = as_of or analysis_date(session).date()
        frame = _on_store(session, "customers", {"as_of": day})
    else:
        lake = engine_for(engine, session=session, source=source or "")
        day = as_of or _latest_day(lake) or date.today()
        frame = lake.aggregate("customers", as_of=day)
    computed = time.perf_counter() - started
    known = pd.Index(np.fromiter(session.scalars(select(Customer.id)), dtype=np.int64))
    unknown = frame.loc[~frame["customer_id"].isin(known), "customer_id"]
    if not unknown.empty:
        shown = ", ".join(str(int(i)) for i in unknown.head(5))
        raise InputError(
            _(
                "{n} customer_id values of the source are not customers of the store "
                "(e.g. {ids}): import those customers first; nothing was written.",
                n=len(unknown),
                ids=shown,
            )
        )
    if on_phase:
        on_phase("write")
    if on_total:
        on_total(len(frame))
    started = time.perf_counter()
    conn = session.connection()
    conn.execute(delete(CustomerAggregate))
    stamp = utcnow()
    columns: dict[str, list[Any]] = {
        "customer_id": frame["customer_id"].astype(int).tolist(),
        "as_of": [day] * len(frame),
        "engine": [engine] * len(frame),
        "computed_at": [stamp] * len(frame),
    }
    for c in _COLUMNS:
        if c in ("first_purchase", "last_purchase"):
            columns[c] = [d.date() for d in frame[c]]
        else:
            columns[c] = frame[c].astype(int).tolist()
    insert_rows(conn, CustomerAggregate.__table__, columns, on_batch=on_batch)  # type: ignore[arg-type]
    written = time.perf_counter() - started
    return ComputeResult(
        engine=engine,
        source=str(source or "store"),
        as_of=day,
        customers=len(frame),
        compute_seconds=computed,
        write_seconds=written,
    )


def read_aggregates(session: Session) -> pd.DataFrame:
    """The stored per-customer table (what ``cxm compute customers`` last wrote)."""
    from cxm.frames.cache import raw_rows

    t = CustomerAggregate.__table__
    cols = ["customer_id", "as_of", "engine", *_COLUMNS]
    rows = raw_rows(session, select(*(t.c[c] for c in cols)).order_by(t.c.customer_id))
    frame = pd.DataFrame(rows, columns=cols)
    for c in ("as_of", "first_purchase", "last_purchase"):
        frame[c] = pd.to_datetime(frame[c])
    return frame
