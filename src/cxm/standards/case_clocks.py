"""Cases as a source of standards: each case with its clocks, read as rule fields.

A case standard judges every case (``applies`` narrows it: ``case_type == "complaint"``)
against the clocks of the service level it was opened under — the due times stored on the
case when it was opened, so a key account's 4-hour promise and another segment's 24 hours are
each judged against their own level. Rules can read::

    first_response_hours <= first_response_allowed_hours     # answered within the level
    resolution_hours <= 48                                    # a fixed promise
    resolved_on_time                                          # the resolution clock was met
    handoffs <= 1                                             # one owner per problem

``first_response_hours`` and ``resolution_hours`` are elapsed calendar hours from opening,
missing while the clock has not stopped. ``first_response_on_time`` / ``resolved_on_time``
are the clocks' verdicts as of the last moment in the case data (an analysis is reproducible,
see :mod:`cxm.clock`): met → yes, breached (late or still open past the due time) → no, still
running → missing, so a case is judged as soon as its outcome is certain and never earlier.
Segment, team and period come from :func:`cxm.standards.checking.check_standards` like any
source, which gives first-response and resolution defects per segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.cases.models import Case
from cxm.customers.models import Team

__all__ = ["CASE_FIELDS", "cases_frame"]

#: The fields every case has (name → rule type).
CASE_FIELDS: dict[str, str] = {
    "case_type": "text",
    "channel": "text",
    "team": "text",
    "tier": "text",
    "priority": "text",
    "status": "text",
    "stage": "text",
    "outcome": "text",
    "opened_at": "datetime",
    "first_response_at": "datetime",
    "resolved_at": "datetime",
    "first_response_due": "datetime",
    "resolution_due": "datetime",
    "first_response_hours": "number",
    "resolution_hours": "number",
    "first_response_allowed_hours": "number",
    "resolution_allowed_hours": "number",
    "first_response_on_time": "bool",
    "resolved_on_time": "bool",
    "handoffs": "number",
    "reopened": "number",
    "business_hours": "bool",
}

_COLUMNS = [
    "id",
    "customer_id",
    "case_type",
    "channel",
    "team",
    "tier",
    "priority",
    "status",
    "stage",
    "outcome",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "first_response_due",
    "resolution_due",
    "handoffs",
    "reopened",
    "business_hours",
]


def _hours(start: pd.Series, end: pd.Series) -> pd.Series:
    return (end - start).dt.total_seconds() / 3600.0


def _verdict(done: pd.Series, due: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """1.0 met, 0.0 breached (late, or open past due at ``as_of``), NaN still running."""
    out = pd.Series(np.nan, index=done.index, dtype=float)
    finished = done.notna()
    out[finished] = (done[finished] <= due[finished]).astype(float)
    overdue = ~finished & due.notna() & (due < as_of)
    out[overdue] = 0.0
    return out


def _code(value: object) -> object:
    return getattr(value, "value", value)


def cases_frame(session: Session) -> pd.DataFrame:
    """One row per case with the fields of :data:`CASE_FIELDS`, plus ``id``,
    ``customer_id`` and ``when`` (the opening time, which sets the period)."""
    q = (
        select(
            Case.id,
            Case.customer_id,
            Case.type,
            Case.channel,
            Team.name,
            Case.tier,
            Case.priority,
            Case.status,
            Case.stage,
            Case.outcome,
            Case.opened_at,
            Case.first_response_at,
            Case.resolved_at,
            Case.first_response_due,
            Case.resolution_due,
            Case.handoffs,
            Case.reopened,
            Case.business_hours,
        )
        .select_from(Case)
        .outerjoin(Team, Team.id == Case.team_id)
        .order_by(Case.id)
    )
    frame = pd.DataFrame(session.connection().execute(q).all(), columns=_COLUMNS)
    for col in ("case_type", "priority", "status", "outcome"):
        frame[col] = frame[col].map(_code)
    stamps = ("opened_at", "first_response_at", "resolved_at", "first_response_due")
    for col in (*stamps, "resolution_due"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["team"] = frame["team"].fillna("")
    frame["first_response_hours"] = _hours(frame["opened_at"], frame["first_response_at"])
    frame["resolution_hours"] = _hours(frame["opened_at"], frame["resolved_at"])
    frame["first_response_allowed_hours"] = _hours(frame["opened_at"], frame["first_response_due"])
    frame["resolution_allowed_hours"] = _hours(frame["opened_at"], frame["resolution_due"])
    moments = pd.concat([frame[c] for c in ("opened_at", "first_response_at", "resolved_at")])
    as_of = moments.max() if moments.notna().any() else pd.Timestamp.now(tz="UTC")
    frame["first_response_on_time"] = _verdict(
        frame["first_response_at"], frame["first_response_due"], as_of
    )
    frame["resolved_on_time"] = _verdict(frame["resolved_at"], frame["resolution_due"], as_of)
    frame["business_hours"] = frame["business_hours"].astype(bool)
    frame["when"] = frame["opened_at"]
    return frame
