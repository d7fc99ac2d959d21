"""The per-customer aggregations, each defined once as an Ibis expression.

Every figure that grows with the purchase log — profit per customer, the RFM totals, the
inter-purchase gaps that behavioural churn needs, the BG/NBD inputs (frequency, recency, T),
contacts per customer (cost to serve), customers and profit per segment, score tallies per
segment — is one function here from Ibis tables to an Ibis table. The same expression runs

- on the store's own database, pushed down as SQL (:mod:`cxm.frames.compiled_sql` holds it
  compiled for SQLite and PostgreSQL, so that everyday commands never import Ibis; a test
  checks that file against this one);
- on DuckDB over Parquet, CSV or a DuckDB file, and on Spark (local or a cluster), through
  Ibis at run time (:mod:`cxm.frames.engines`).

Money is summed in integer cents (each line rounded to the cent, then added: exact on every
engine), counts are integers, dates are calendar days (UTC). Differences of days are computed
by the engine where Ibis can express them in plain SQL; SQLite has no date difference without
Ibis's own user-defined function, so there :func:`add_day_counts` does it in pandas on the
per-customer result (one row per customer, never the purchase log).

Importing this module imports Ibis (about a second): only the engines and the compiler do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from cxm.frames.day_counts import add_day_counts

__all__ = [
    "AGGREGATIONS",
    "DAY_COUNTS",
    "SCHEMAS",
    "Aggregation",
    "add_day_counts",
    "cents",
]

#: The store's tables as the aggregations read them (a lake's files need these columns).
SCHEMAS: dict[str, dict[str, str]] = {
    "purchases": {
        "customer_id": "int64",
        "purchased_on": "date",
        "revenue": "decimal(14, 2)",
        "cost": "decimal(14, 2)",
    },
    "touchpoints": {
        "customer_id": "int64",
        "occurred_at": "timestamp('UTC')",
        "stage": "string",
    },
    "segment_memberships": {
        "customer_id": "int64",
        "definition_id": "int64",
        "segment": "string",
        "valid_to": "timestamp('UTC')",
    },
    "survey_responses": {
        "id": "int64",
        "customer_id": "int64",
        "wave_id": "int64",
        "completed_at": "timestamp('UTC')",
    },
    "survey_answers": {
        "response_id": "int64",
        "question_code": "string",
        "number": "float64",
        "dont_know": "boolean",
    },
}


def cents(value: ir.NumericValue) -> ir.IntegerValue:
    """A money amount as integer cents (rounded half away from zero on every engine)."""
    return (value * 100).round().cast("int64")


def _period(t: ir.Table, column: str, start: Any, end: Any) -> ir.Table:
    """Rows of ``t`` with ``start <= column < end`` (a bound left out when ``None``)."""
    if start is not None:
        t = t.filter(t[column] >= start)
    if end is not None:
        t = t.filter(t[column] < end)
    return t


def profit(
    t: dict[str, ir.Table], *, start: date | None = None, end: date | None = None
) -> ir.Table:
    """Profit per customer over ``[start, end)``: revenue − cost (a missing cost as 0)."""
    p = _period(t["purchases"], "purchased_on", start, end)
    return p.group_by("customer_id").agg(
        profit_cents=(cents(p.revenue) - cents(p.cost.fill_null(0))).sum()
    )


def totals(
    t: dict[str, ir.Table], *, start: date | None = None, end: date | None = None
) -> ir.Table:
    """Per customer over ``[start, end)``: last purchase date, purchases, revenue, profit."""
    p = _period(t["purchases"], "purchased_on", start, end)
    return p.group_by("customer_id").agg(
        last_purchase=p.purchased_on.max(),
        frequency=p.count(),
        revenue_cents=cents(p.revenue).sum(),
        profit_cents=(cents(p.revenue) - cents(p.cost.fill_null(0))).sum(),
    )


def first_purchases(t: dict[str, ir.Table]) -> ir.Table:
    """The first purchase date per customer."""
    p = t["purchases"]
    return p.group_by("customer_id").agg(first_purchase=p.purchased_on.min())


def customers(t: dict[str, ir.Table], *, as_of: date, join_first_day: bool = False) -> ir.Table:
    """The per-customer table up to and including ``as_of``.

    Purchases on one day are one transaction (Fader, Hardie & Lee 2005). Columns:
    ``first_purchase, last_purchase`` (dates), ``orders`` (lines), ``purchase_days``,
    ``revenue_cents, cost_cents, profit_cents`` (a missing cost as 0) and
    ``first_day_profit_cents`` (the profit of the first purchase day, which BG/NBD's
    monetary value leaves out). RFM recency, BG/NBD ``x`` (purchase days − 1), ``t_x`` and
    ``T`` and the mean inter-purchase gap follow from these and the day counts
    (:func:`with_day_counts`).
    """
    p = t["purchases"]
    p = p.filter(p.purchased_on <= as_of)
    daily = p.group_by(["customer_id", "purchased_on"]).agg(
        lines=p.count(),
        revenue_cents=cents(p.revenue).sum(),
        cost_cents=cents(p.cost.fill_null(0)).sum(),
    )
    if join_first_day:
        return _join_first_day(daily)
    # The first day's profit is taken in the same pass as the other per-customer figures
    # (the value at the earliest purchase day), not by joining the per-customer rows back
    # to the day rows: the day rows — about one per order line — are then aggregated once
    # and never held twice (at 100M lines that join doubled DuckDB's memory and made Spark
    # compute the day rows twice). Purchase days are unique per customer, so the day at the
    # minimum is one row and the value is exact.
    per = daily.group_by("customer_id").agg(
        **_day_sums(daily),
        first_day_profit_cents=(daily.revenue_cents - daily.cost_cents).argmin(daily.purchased_on),
    )
    return per.select(
        *_PER_CUSTOMER,
        profit_cents=per.revenue_cents - per.cost_cents,
        first_day_profit_cents=per.first_day_profit_cents,
    )


#: The per-customer columns both forms of :func:`customers` return before the profits.
_PER_CUSTOMER = (
    "customer_id",
    "first_purchase",
    "last_purchase",
    "orders",
    "purchase_days",
    "revenue_cents",
    "cost_cents",
)


def _day_sums(daily: ir.Table) -> dict[str, ir.Value]:
    """The per-customer figures taken from the day rows, for both forms of :func:`customers`."""
    return {
        "first_purchase": daily.purchased_on.min(),
        "last_purchase": daily.purchased_on.max(),
        "orders": daily.lines.sum(),
        "purchase_days": daily.count(),
        "revenue_cents": daily.revenue_cents.sum(),
        "cost_cents": daily.cost_cents.sum(),
    }


def _join_first_day(daily: ir.Table) -> ir.Table:
    """:func:`customers` for SQLite: the first day's profit by joining the per-customer rows
    back to the day rows. Ibis writes an arg-min on SQLite with its bare-column rule, which
    is undefined beside the MIN and MAX of the same query; the join is exact everywhere
    (and SQLite's store is small)."""
    per = daily.group_by("customer_id").agg(**_day_sums(daily))
    first_day = daily.select(
        first_id="customer_id",
        first_day="purchased_on",
        first_day_profit_cents=daily.revenue_cents - daily.cost_cents,
    )
    joined = per.join(
        first_day,
        [per.customer_id == first_day.first_id, per.first_purchase == first_day.first_day],
    )
    return joined.select(
        *_PER_CUSTOMER,
        profit_cents=joined.revenue_cents - joined.cost_cents,
        first_day_profit_cents=joined.first_day_profit_cents,
    )


def _customers_sqlite(t: dict[str, ir.Table], *, as_of: date) -> ir.Table:
    return customers(t, as_of=as_of, join_first_day=True)


#: The day counts of the per-customer table: name → (later date, earlier date).
DAY_COUNTS = {
    "span_days": ("last_purchase", "first_purchase"),
    "observed_days": ("as_of", "first_purchase"),
    "recency_days": ("as_of", "last_purchase"),
}


def with_day_counts(t: dict[str, ir.Table], *, as_of: date) -> ir.Table:
    """:func:`customers` with ``span_days`` (first to last purchase: BG/NBD ``t_x``),
    ``observed_days`` (first purchase to ``as_of``: ``T``) and ``recency_days`` (last
    purchase to ``as_of``: RFM recency), computed by the engine."""
    c = customers(t, as_of=as_of)
    day = ibis.literal(as_of, type="date")
    cols = {"as_of": day, "first_purchase": c.first_purchase, "last_purchase": c.last_purchase}
    return c.mutate(
        **{name: cols[a].delta(cols[b], unit="day") for name, (a, b) in DAY_COUNTS.items()}
    )


def contacts(
    t: dict[str, ir.Table],
    *,
    stage: str | None = None,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
) -> ir.Table:
    """Touchpoints per customer (of one journey ``stage`` when given) in ``[start, end)``:
    complaints, and the contacts that make the cost to serve."""
    tp = _period(t["touchpoints"], "occurred_at", start_at, end_at)
    if stage is not None:
        tp = tp.filter(tp.stage == stage)
    return tp.group_by("customer_id").agg(contacts=tp.count())


def segment_tallies(
    t: dict[str, ir.Table],
    *,
    definition_id: int,
    start: date | None = None,
    end: date | None = None,
) -> ir.Table:
    """Per segment of a definition (its current members): customers, and their profit over
    ``[start, end)`` (customers without purchases count with 0)."""
    m = t["segment_memberships"]
    m = m.filter((m.definition_id == definition_id) & m.valid_to.isnull())
    p = profit(t, start=start, end=end)
    p = p.select(buyer="customer_id", profit_cents="profit_cents")
    j = m.left_join(p, m.customer_id == p.buyer)
    return j.group_by("segment").agg(
        customers=j.customer_id.nunique(),
        buyers=j.buyer.count(),
        profit_cents=j.profit_cents.fill_null(0).sum(),
    )


def score_tallies(
    t: dict[str, ir.Table], *, definition_id: int, wave_id: int | None = None
) -> ir.Table:
    """Per segment (current members of a definition), question and answer value: the
    number of answers ("don't know" left out) — the tallies every score is built from."""
    m = t["segment_memberships"]
    m = m.filter((m.definition_id == definition_id) & m.valid_to.isnull())
    r = t["survey_responses"]
    r = r.filter(r.completed_at.notnull())
    if wave_id is not None:
        r = r.filter(r.wave_id == wave_id)
    a = t["survey_answers"]
    a = a.filter(a.number.notnull() & ~a.dont_know)
    j = a.join(r, a.response_id == r.id).join(m, r.customer_id == m.customer_id)
    return j.group_by(["segment", "question_code", "number"]).agg(answers=j.count())


@dataclass(frozen=True)
class Aggregation:
    """One aggregation: the tables it reads, its parameters (each given or left out), the
    Ibis definition and the key its rows are sorted by."""

    name: str
    tables: tuple[str, ...]
    params: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[..., ir.Table]
    key: tuple[str, ...] = ("customer_id",)
    #: Ibis dialect → the part of the definition that engine's SQL runs; the rest is
    #: done in pandas by :mod:`cxm.frames.engines` (today: SQLite's day counts).
    fallback: dict[str, Callable[..., ir.Table]] | None = None


AGGREGATIONS: dict[str, Aggregation] = {
    a.name: a
    for a in (
        Aggregation("profit", ("purchases",), ("start", "end"), (), profit),
        Aggregation("totals", ("purchases",), ("start", "end"), (), totals),
        Aggregation("first_purchases", ("purchases",), (), (), first_purchases),
        Aggregation(
            "customers",
            ("purchases",),
            ("as_of",),
            ("as_of",),
            with_day_counts,
            # SQLite: the aggregation in the database (the first day's profit by a join),
            # the day counts in pandas.
            fallback={"sqlite": _customers_sqlite},
        ),
        Aggregation("contacts", ("touchpoints",), ("stage", "start_at", "end_at"), (), contacts),
        Aggregation(
            "segment_tallies",
            ("segment_memberships", "purchases"),
            ("definition_id", "start", "end"),
            ("definition_id",),
            segment_tallies,
            key=("segment",),
        ),
        Aggregation(
            "score_tallies",
            ("segment_memberships", "survey_responses", "survey_answers"),
            ("definition_id", "wave_id"),
            ("definition_id",),
            score_tallies,
            key=("segment", "question_code", "number"),
        ),
    )
}

#: The value each parameter takes when compiling the store's SQL: a literal no real data
#: holds, replaced by a bound parameter in the compiled text (:mod:`cxm.frames.compile`).
SENTINELS: dict[str, Any] = {
    "start": date(1101, 1, 1),
    "end": date(1102, 2, 2),
    "as_of": date(1103, 3, 3),
    "start_at": datetime(1104, 4, 4, tzinfo=UTC),
    "end_at": datetime(1105, 5, 5, tzinfo=UTC),
    "stage": "__cxm_stage__",
    "definition_id": 987_654_321,
    "wave_id": 876_543_219,
}


def tables(names: tuple[str, ...]) -> dict[str, ir.Table]:
    """Unbound Ibis tables of the store's schema (what the compiler compiles against)."""
    return {n: ibis.table(SCHEMAS[n], name=n) for n in names}
