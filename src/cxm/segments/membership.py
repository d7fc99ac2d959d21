"""Compute segment memberships from the store and keep them over time.

:func:`recompute` assigns every customer afresh and writes only the difference: memberships
that ended get ``valid_to = now``, new ones start at ``now``. :func:`members` answers "who
was in which segment when".
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cxm.analytics.segmentation import (
    RuleSegment,
    assign_rule_segments,
    pareto_tiers,
    rfm_cells,
    segment_summary,
)
from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.frames.cache import raw_rows, read_once
from cxm.frames.customers import (
    analysis_date,
    customers_frame,
    last_activity_date,
    profit_by_customer,
    purchase_totals,
)
from cxm.i18n import _
from cxm.segments.definitions import NO_PURCHASES, get_definition, period_of, segment_labels
from cxm.segments.models import SegmentDefinition, SegmentKind, SegmentMembership
from cxm.store.base import utcnow
from cxm.store.bulk import insert_rows

__all__ = [
    "RecomputeResult",
    "assign",
    "members",
    "members_at_each",
    "profit_period",
    "recompute",
    "summary",
]

_CHUNK = 900  # ids per UPDATE … IN (…): under SQLite's parameter limit everywhere


@dataclass(frozen=True)
class RecomputeResult:
    definition: str
    computed_at: datetime
    customers: int
    started: int
    ended: int
    summary: pd.DataFrame


def profit_period(
    session: Session, d: SegmentDefinition, *, as_of: Any = None
) -> tuple[date | None, date | None]:
    """The profit period of a definition: explicit dates, the last ``months`` up to the
    analysis date (``as_of``, default the latest activity), or all history (up to
    ``as_of`` when one is given)."""
    per = period_of(d.parameters)
    if per.months is None:
        if as_of is not None and per.end is None:
            return per.start, (analysis_date(session, as_of) + pd.Timedelta(days=1)).date()
        return per.start, per.end
    if last_activity_date(session) is None:
        return None, None
    last = analysis_date(session, as_of)
    end = (last + pd.Timedelta(days=1)).date()
    return (pd.Timestamp(end) - pd.DateOffset(months=per.months)).date(), end


def assign(
    session: Session, d: SegmentDefinition, *, as_of: Any = None
) -> tuple[pd.DataFrame, pd.Series]:
    """``(membership, profit)``: one row per (customer_id, segment); profit per customer
    over the definition's period (0 for customers without purchases)."""
    start, end = profit_period(session, d, as_of=as_of)
    ids = pd.Index(
        np.fromiter(
            (r[0] for r in raw_rows(session, select(Customer.id).order_by(Customer.id))),
            dtype=np.int64,
        )
    )
    profit = profit_by_customer(session, start=start, end=end).reindex(ids, fill_value=0.0)
    p = d.parameters
    if d.kind == SegmentKind.PARETO:
        tiers = pareto_tiers(profit, cuts=p["cuts"], labels=p["labels"])
        return tiers[["customer_id", "tier"]].rename(columns={"tier": "segment"}), profit
    if d.kind == SegmentKind.RFM:
        totals = purchase_totals(session, start=start, end=end)
        as_of = pd.Timestamp(end) if end else (last_activity_date(session) or pd.Timestamp.now())
        totals["recency_days"] = (as_of - totals["last_purchase"]).dt.days
        totals["monetary"] = totals["revenue"]
        cells = rfm_cells(totals, bins=int(p["bins"]))
        label = cells["cell"].astype(object)
        if p.get("groups"):
            mapping = {
                c: next(
                    (
                        g
                        for g, pats in p["groups"].items()
                        if any(fnmatch.fnmatch(c, x) for x in pats)
                    ),
                    p.get("default", "other"),
                )
                for c in label.unique()
            }
            label = label.map(mapping)
        out = pd.DataFrame({"customer_id": cells["customer_id"], "segment": label})
        none = ids.difference(pd.Index(out["customer_id"]))
        extra = pd.DataFrame({"customer_id": none.to_numpy(), "segment": NO_PURCHASES})
        return pd.concat([out, extra], ignore_index=True), profit
    customers = customers_frame(session, attributes=True)
    rules = [RuleSegment.from_dict(s) for s in p["segments"]]
    out = assign_rule_segments(customers, rules, exclusive=d.exclusive, default=p.get("default"))
    return out, profit


def _insert_memberships(
    session: Session, definition_id: int, when: datetime, rows: pd.DataFrame
) -> None:
    """Bulk-write new memberships with the store's one bulk writer (COPY on PostgreSQL,
    executemany of plain tuples on SQLite): the per-row work of the ORM would dominate a
    million-customer recompute."""
    n = len(rows)
    insert_rows(
        session.connection(),
        SegmentMembership.__table__,  # type: ignore[arg-type]
        {
            "definition_id": [definition_id] * n,
            "customer_id": rows["customer_id"].astype("int64").tolist(),
            "segment": rows["segment"].astype(str).tolist(),
            "valid_from": [when] * n,
        },
    )


def recompute(
    session: Session,
    name: str,
    *,
    now: datetime | None = None,
    actor_id: int | None = None,
    as_of: Any = None,
) -> RecomputeResult:
    """Assign every customer of definition ``name`` afresh from the data as of ``as_of``
    (default: the last date in the data); close and open memberships for the difference
    only, dated by the clock (``now``). One transaction: on error nothing changes."""
    d = get_definition(session, name)
    when = now or utcnow()
    new, profit = assign(session, d, as_of=as_of)
    old = pd.DataFrame(
        raw_rows(
            session,
            select(SegmentMembership.id, SegmentMembership.customer_id, SegmentMembership.segment)
            .where(SegmentMembership.definition_id == d.id)
            .where(SegmentMembership.valid_to.is_(None)),
        ),
        columns=["id", "customer_id", "segment"],
    )
    # (customer, segment) pairs as one integer each: set differences of a million pairs by
    # np.isin instead of a two-column outer merge.
    labels = pd.Index(pd.unique(np.concatenate([old["segment"], new["segment"]]).astype(object)))
    width = len(labels) + 1
    old_key = old["customer_id"].to_numpy(np.int64) * width + labels.get_indexer(old["segment"])
    new_key = new["customer_id"].to_numpy(np.int64) * width + labels.get_indexer(new["segment"])
    ended = old["id"].to_numpy()[~np.isin(old_key, new_key)].astype(int).tolist()
    started = new.loc[~np.isin(new_key, old_key), ["customer_id", "segment"]]
    for i in range(0, len(ended), _CHUNK):
        session.execute(
            update(SegmentMembership)
            .where(SegmentMembership.id.in_(ended[i : i + _CHUNK]))
            .values(valid_to=when)
        )
    if len(started):
        _insert_memberships(session, d.id, when, started)
    d.computed_at = when
    from cxm.audit import record

    record(
        session,
        actor_id=actor_id,
        action="recompute",
        entity="segment_definition",
        entity_id=d.id,
        after={"computed_at": when, "started": len(started), "ended": len(ended)},
    )
    return RecomputeResult(
        definition=d.name,
        computed_at=when,
        customers=int(new["customer_id"].nunique()),
        started=len(started),
        ended=len(ended),
        summary=segment_summary(new, profit, segments=segment_labels(d)),
    )


@read_once
def _moment(at: Any) -> datetime:
    """``at`` (a date, a datetime or an ISO text) as an aware datetime, or InputError."""
    try:
        t = pd.Timestamp(at)
        if pd.isna(t):
            raise ValueError(at)
        return (t.tz_localize(UTC) if t.tzinfo is None else t).to_pydatetime()
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise InputError(
            _(
                "at={value} is not a date or time: use YYYY-MM-DD or an ISO date-time "
                "between 1678 and 2261.",
                value=str(at)[:50],
            )
        ) from None


@read_once
def members(session: Session, name: str, *, at: Any = None) -> pd.DataFrame:
    """Memberships of definition ``name`` valid at ``at`` (default: now); read once per
    command (``targets report`` asks for each wave's members once per KPI)."""
    d = get_definition(session, name)
    q = select(SegmentMembership.customer_id, SegmentMembership.segment).where(
        SegmentMembership.definition_id == d.id
    )
    if at is None:
        q = q.where(SegmentMembership.valid_to.is_(None))
    else:
        moment = _moment(at)
        q = q.where(SegmentMembership.valid_from <= moment).where(
            or_(SegmentMembership.valid_to.is_(None), SegmentMembership.valid_to > moment)
        )
    rows = raw_rows(session, q)
    df = pd.DataFrame(rows, columns=["customer_id", "segment"])
    df["customer_id"] = df["customer_id"].astype(np.int64)
    return df


@read_once
def members_at_each(
    session: Session, name: str, moments: tuple[Any, ...]
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The current members of definition ``name`` and its members at each of ``moments``,
    from one read: the memberships still open or ended after the earliest moment (a
    report over five waves read the same 20,000 current members five times)."""
    d = get_definition(session, name)
    cols = ["customer_id", "segment"]
    q = select(
        SegmentMembership.customer_id,
        SegmentMembership.segment,
        SegmentMembership.valid_from,
        SegmentMembership.valid_to,
    ).where(SegmentMembership.definition_id == d.id)
    when = [_moment(at) for at in moments]
    if when:
        q = q.where(
            or_(SegmentMembership.valid_to.is_(None), SegmentMembership.valid_to > min(when))
        )
    else:
        q = q.where(SegmentMembership.valid_to.is_(None))
    df = pd.DataFrame(raw_rows(session, q), columns=[*cols, "valid_from", "valid_to"])
    df["customer_id"] = df["customer_id"].astype(np.int64)
    # SQLite hands timestamps over as ISO text, PostgreSQL as aware datetimes
    starts = pd.to_datetime(df["valid_from"], utc=True, format="ISO8601")
    ends = pd.to_datetime(df["valid_to"], utc=True, format="ISO8601")
    open_ = ends.isna().to_numpy()
    current = df.loc[open_, cols].reset_index(drop=True)
    at_each = []
    for moment in when:
        t = pd.Timestamp(moment)
        valid = (starts <= t).to_numpy() & (open_ | (ends > t).to_numpy())
        at_each.append(df.loc[valid, cols].reset_index(drop=True))
    return current, at_each


def summary(
    session: Session,
    name: str,
    *,
    at: Any = None,
    membership: pd.DataFrame | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Customers and profit (the definition's period, up to ``as_of``) per segment, as kept
    in the store (``membership``: the current members when the caller already read them)."""
    d = get_definition(session, name)
    start, end = profit_period(session, d, as_of=as_of)
    m = membership if membership is not None else members(session, name, at=at)
    profit = profit_by_customer(session, start=start, end=end)
    return segment_summary(m, profit, segments=segment_labels(d))
