"""Check every standard against the data and store defects per standard, period, stage,
team and segment (``cxm standards check``).

Touchpoint standards judge the touchpoints of their stage; purchase standards judge every
purchase; case standards judge every case against its clocks (:mod:`cxm.standards.case_clocks`);
checklist lines count the mystery-shopping answers. Each defect is weighted by the
customer's value relative to the average customer (profit, or revenue when costs are
unknown), so a defect on a valuable customer counts more; a visit or a customer without
purchases weighs 1. The stored rows are replaced in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cxm.customers.models import Purchase, Team, Touchpoint
from cxm.frames.cache import read_once
from cxm.standards.defects import count_defects
from cxm.standards.definitions import STAGED_SOURCES, field_schema, saved_fields
from cxm.standards.models import (
    RecordFields,
    ShoppingAnswer,
    ShoppingVisit,
    Standard,
    StandardDefects,
)
from cxm.standards.rules import compile_rule, prepare
from cxm.store.base import utcnow

__all__ = ["CheckResult", "check_standards", "customer_weights", "judged_records", "source_frame"]

_KEYS = ["period", "team", "segment"]
_COLUMNS = ["standard", "stage", *_KEYS, "opportunities", "defects", "weighted_defects"]


@dataclass(frozen=True)
class CheckResult:
    standards: int
    opportunities: int
    defects: int
    rows: pd.DataFrame


def customer_weights(session: Session) -> pd.Series:
    """Each customer's value over the average customer's (profit; revenue when no costs)."""
    from cxm.frames.customers import profit_by_customer

    value = profit_by_customer(session).clip(lower=0)
    mean = float(value.mean()) if len(value) else 0.0
    if mean <= 0:
        return pd.Series(dtype=float)
    return value / mean


def _with_fields(session: Session, source: str, frame: pd.DataFrame) -> pd.DataFrame:
    q = select(RecordFields.record_id, RecordFields.values).where(RecordFields.source == source)
    rows = session.connection().execute(q).all()  # Core rows: no ORM bookkeeping
    if not rows or frame.empty:
        return frame
    values = [v for _i, v in rows]
    names = sorted(
        {k for v in values[:1000] for k in v} | set(saved_fields(session).get(source, {}))
    )
    extra = pd.DataFrame({k: [v.get(k) for v in values] for k in names})
    extra["id"] = [i for i, _v in rows]
    extra = extra.drop(columns=[c for c in frame.columns if c in extra and c != "id"])
    return frame.merge(extra, on="id", how="left")


@read_once
def source_frame(session: Session, source: str) -> pd.DataFrame:
    """One row per touchpoint or purchase with its built-in and recorded fields."""
    if source == "touchpoints":
        q = (
            select(
                Touchpoint.id,
                Touchpoint.customer_id,
                Touchpoint.occurred_at,
                Touchpoint.stage,
                Touchpoint.channel,
                Team.name,
            )
            .select_from(Touchpoint)
            .outerjoin(Team, Team.id == Touchpoint.team_id)
        )
        cols = ["id", "customer_id", "occurred_at", "stage", "channel", "team"]
        frame = pd.DataFrame(session.connection().execute(q).all(), columns=cols)
        frame["stage"] = frame["stage"].map(lambda s: getattr(s, "value", s))
        frame["when"] = pd.to_datetime(frame["occurred_at"], utc=True)
    elif source == "responses":
        return _responses_frame(session)
    elif source == "cases":
        from cxm.standards.case_clocks import cases_frame

        return cases_frame(session)
    else:
        q2 = select(
            Purchase.id,
            Purchase.customer_id,
            Purchase.purchased_on,
            Purchase.product,
            Purchase.quantity,
            Purchase.revenue,
            Purchase.cost,
        )
        cols = ["id", "customer_id", "purchased_on", "product", "quantity", "revenue", "cost"]
        frame = pd.DataFrame(session.connection().execute(q2).all(), columns=cols)
        for c in ("quantity", "revenue", "cost"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
        frame["when"] = pd.to_datetime(frame["purchased_on"], utc=True)
        frame["team"] = ""
    return _with_fields(session, source, frame)


def _responses_frame(session: Session) -> pd.DataFrame:
    """Completed responses with their answers as fields, the stage and channel of the
    touchpoint they were about, and the team."""
    from cxm.frames.responses import responses_frame

    frame = responses_frame(session)
    if frame.empty:
        return pd.DataFrame(columns=["id", "customer_id", "stage", "channel", "team", "when"])
    q = select(Touchpoint.id, Touchpoint.stage, Touchpoint.channel)
    tps = pd.DataFrame(session.connection().execute(q).all(), columns=["tp", "stage", "channel"])
    tps["stage"] = tps["stage"].map(lambda s: getattr(s, "value", s))
    teams = dict(session.connection().execute(select(Team.id, Team.name)).all())
    frame = frame.drop(columns=[c for c in ("stage", "channel", "team") if c in frame])
    frame = frame.merge(tps, left_on="touchpoint_id", right_on="tp", how="left")
    frame["team"] = frame["team_id"].map(teams).fillna("")
    frame["when"] = pd.to_datetime(frame["completed_at"], utc=True)
    return frame


def _segments(session: Session, definition: str | None) -> pd.Series:
    if not definition:
        return pd.Series(dtype=object)
    from cxm.segments.membership import members

    m = members(session, definition)
    return pd.Series(m["segment"].to_numpy(), index=m["customer_id"].to_numpy())


def _period(when: pd.Series) -> np.ndarray[Any, Any]:
    """``YYYY-MM`` of each time ("" when missing), labelled once per distinct month."""
    code = (when.dt.year * 12 + when.dt.month - 1).fillna(-1).to_numpy(dtype=np.int64)
    uniq, inverse = np.unique(code, return_inverse=True)
    labels = np.array(["" if c < 0 else f"{c // 12}-{c % 12 + 1:02d}" for c in uniq], dtype=object)
    out: np.ndarray[Any, Any] = labels[inverse]
    return out


def _shopping(session: Session, standard: Standard) -> pd.DataFrame:
    q = (
        select(ShoppingVisit.visited_at, ShoppingVisit.team, ShoppingAnswer.met)
        .join(ShoppingAnswer, ShoppingAnswer.visit_id == ShoppingVisit.id)
        .where(ShoppingAnswer.standard_id == standard.id)
    )
    frame = pd.DataFrame(session.execute(q).all(), columns=["visited_at", "team", "met"])
    if frame.empty:
        return pd.DataFrame(columns=_COLUMNS)
    frame["period"] = _period(pd.to_datetime(frame["visited_at"], utc=True))
    frame["team"] = frame["team"].fillna("")
    frame["segment"] = ""
    frame["defect"] = ~frame["met"].astype(bool)
    out = (
        frame.groupby(_KEYS, sort=True)
        .agg(opportunities=("met", "size"), defects=("defect", "sum"))
        .reset_index()
    )
    out["weighted_defects"] = out["defects"].astype(float)
    out["standard"] = standard.code
    out["stage"] = standard.stage
    return out[_COLUMNS]


def judged_records(session: Session, standard: Standard) -> pd.DataFrame:
    """Every opportunity of one standard with its time: columns ``when`` and ``defect``."""
    if standard.source == "shopping":
        q = (
            select(ShoppingVisit.visited_at, ShoppingAnswer.met)
            .join(ShoppingAnswer, ShoppingAnswer.visit_id == ShoppingVisit.id)
            .where(ShoppingAnswer.standard_id == standard.id)
        )
        frame = pd.DataFrame(session.execute(q).all(), columns=["when", "met"])
        return pd.DataFrame(
            {
                "when": pd.to_datetime(frame["when"], utc=True),
                "defect": ~frame["met"].astype(bool),
            }
        )
    frame = source_frame(session, standard.source)
    if standard.source in STAGED_SOURCES:
        frame = frame[frame["stage"] == standard.stage]
    schema = field_schema(standard.source, saved_fields(session))
    rule = compile_rule(standard.rule or "", schema)
    applies = compile_rule(standard.applies, schema) if standard.applies else None
    used = {f: schema[f] for f in (*rule.fields, *(applies.fields if applies else ()))}
    columns = prepare(frame, used)
    for name in used:
        columns.setdefault(name, np.full(len(frame), np.nan))
    met, opportunity = rule.evaluate(columns)
    if applies is not None:
        hold, judged = applies.evaluate(columns)
        opportunity &= hold & judged
    return pd.DataFrame(
        {"when": frame["when"].to_numpy()[opportunity], "defect": ~met[opportunity]}
    )


def check_standards(session: Session, *, segments: str | None = None) -> CheckResult:
    """Count defects of every active standard and replace the stored counts."""
    standards = list(
        session.scalars(select(Standard).where(Standard.active.is_(True)).order_by(Standard.code))
    )
    declared = saved_fields(session)
    weights = customer_weights(session)
    segment_of = _segments(session, segments)
    frames: dict[str, pd.DataFrame] = {}
    parts: list[pd.DataFrame] = []
    for std in standards:
        if std.source == "shopping":
            parts.append(_shopping(session, std))
            continue
        if std.source not in frames:
            frames[std.source] = source_frame(session, std.source)
        frame = frames[std.source]
        if std.source in STAGED_SOURCES:
            frame = frame[frame["stage"] == std.stage]
        if frame.empty:
            continue
        schema = field_schema(std.source, declared)
        rule = compile_rule(std.rule or "", schema)
        applies = compile_rule(std.applies, schema) if std.applies else None
        used = {f: schema[f] for f in (*rule.fields, *(applies.fields if applies else ()))}
        columns = prepare(frame, used)
        for name in used:  # a declared field no record has yet: all missing
            columns.setdefault(name, np.full(len(frame), np.nan))
        customers = frame["customer_id"].to_numpy()
        counted = count_defects(
            columns,
            rule,
            applies=applies,
            keys={
                "period": _period(frame["when"]),
                "team": frame["team"].fillna("").to_numpy(dtype=object),
                "segment": pd.Series(customers).map(segment_of).fillna("").to_numpy(dtype=object)
                if len(segment_of)
                else np.full(len(frame), "", dtype=object),
            },
            weights=pd.Series(customers).map(weights).fillna(1.0).to_numpy(dtype=float)
            if len(weights)
            else None,
        )
        counted["standard"] = std.code
        counted["stage"] = std.stage
        parts.append(counted[_COLUMNS])
    parts = [p for p in parts if len(p)]  # a standard with no opportunities adds no rows
    rows = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    ).reset_index(drop=True)
    ids = {s.code: s.id for s in standards}
    session.execute(delete(StandardDefects))
    now = utcnow()
    if len(rows):
        session.connection().execute(
            insert(StandardDefects),
            [
                {
                    "standard_id": ids[r["standard"]],
                    "period": r["period"],
                    "stage": r["stage"],
                    "team": r["team"],
                    "segment": r["segment"],
                    "opportunities": int(r["opportunities"]),
                    "defects": int(r["defects"]),
                    "weighted_defects": float(r["weighted_defects"]),
                    "computed_at": now,
                }
                for r in rows.to_dict(orient="records")
            ],
        )
    return CheckResult(
        standards=len(standards),
        opportunities=int(rows["opportunities"].sum()) if len(rows) else 0,
        defects=int(rows["defects"].sum()) if len(rows) else 0,
        rows=rows,
    )
