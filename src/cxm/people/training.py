"""Trainings (who took which course when) and the course's effect on the trained teams'
customer outcomes by difference in differences (:mod:`cxm.analytics.did`).

A team counts as trained from the month its first member (by the employee's current team)
completed the course; teams none of whose members took it are the comparison. The outcome
is the team's monthly mean moment-of-truth CSAT (question ``MOT_SAT``, 1–5) over the
touchpoints it handled — the customers' view of the service, not the trainee's opinion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cxm.audit import record
from cxm.customers.models import Touchpoint
from cxm.errors import InputError, ValidationFailed
from cxm.i18n import _
from cxm.org.models import Employee, Team
from cxm.people.models import Training
from cxm.people.organisation import _read
from cxm.surveys.models import Answer, Response

__all__ = [
    "TrainingEffect",
    "import_trainings",
    "list_trainings",
    "training_effect",
    "training_panel",
]


def import_trainings(session: Session, path: Path, *, actor_id: int | None = None) -> int:
    """Record trainings from a CSV/Excel file with ``employee`` (external id), ``course`` and
    ``completed_on``. Every problem is reported with its row and column, and nothing is
    recorded unless the whole file is good; a training already recorded is skipped."""
    check = _read(path, ("employee", "course", "completed_on"), ())
    people = {
        r.external_id: r
        for r in session.execute(
            select(Employee.id, Employee.external_id, Employee.hired_on, Employee.left_on)
        )
    }
    wanted: list[tuple[int, str, date]] = []
    for number, row in check.rows:
        key = row.get("employee")
        person = people.get(key or "")
        if key and person is None:
            check.add(number, "employee", key, _("unknown employee: import the organisation first"))
        day = check.date(number, row, "completed_on")
        course = (row.get("course") or "").strip()
        if len(course) > 200:
            check.add(number, "course", course[:40], _("longer than 200 characters"))
        if person is None or day is None or not course:
            continue
        if person.hired_on is not None and day < person.hired_on:
            check.add(number, "completed_on", day.isoformat(), _("before the employee was hired"))
            continue
        if person.left_on is not None and day > person.left_on:
            check.add(number, "completed_on", day.isoformat(), _("after the employee left"))
            continue
        wanted.append((person.id, course, day))
    if check.problems:
        raise ValidationFailed(_("No training was recorded."), check.problems)
    existing = {
        (int(e), str(c), d)
        for e, c, d in session.execute(
            select(Training.employee_id, Training.course, Training.completed_on)
        )
    }
    new = sorted(set(wanted) - existing)
    session.add_all(Training(employee_id=e, course=c, completed_on=d) for e, c, d in new)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="import",
        entity="training",
        entity_id=None,
        after={"recorded": len(new), "skipped": len(wanted) - len(new)},
    )
    return len(new)


def list_trainings(session: Session, *, course: str | None = None) -> list[dict[str, Any]]:
    """Trainings with the employee's id and team, newest first."""
    query = (
        select(Employee.external_id, Team.name, Training.course, Training.completed_on)
        .join(Employee, Employee.id == Training.employee_id)
        .outerjoin(Team, Team.id == Employee.team_id)
        .order_by(Training.completed_on.desc(), Employee.external_id)
    )
    if course is not None:
        query = query.where(Training.course == course)
    return [
        {"employee": e, "team": t, "course": c, "completed_on": d.isoformat()}
        for e, t, c, d in session.execute(query)
    ]


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def training_panel(
    session: Session, *, course: str, since: date, until: date, question: str = "MOT_SAT"
) -> pd.DataFrame:
    """One row per team and month: ``team``, ``period`` (month number), ``y`` (mean of the
    question over the team's rated touchpoints), ``n`` and ``cohort`` (first trained month,
    NaN if never)."""
    if until < since:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    if session.scalar(select(func.count()).where(Training.course == course)) == 0:
        raise InputError(_("Nobody has taken the course {course}.").format(course=course))
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(date.fromordinal(until.toordinal() + 1), time.min, tzinfo=UTC)
    team_of = func.coalesce(Response.team_id, Touchpoint.team_id)
    rows = session.execute(
        select(team_of, Touchpoint.occurred_at, Answer.number)
        .select_from(Response)
        .join(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .join(Answer, and_(Answer.response_id == Response.id, Answer.question_code == question))
        .where(
            Response.completed_at.is_not(None),
            Touchpoint.occurred_at >= start,
            Touchpoint.occurred_at < end,
            Answer.number.is_not(None),
            team_of.is_not(None),
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["team", "at", "value"])
    if frame.empty:
        raise InputError(_("No rated touchpoint in that period."))
    at = pd.to_datetime(frame["at"], utc=True)
    frame["period"] = (at.dt.year * 12 + at.dt.month - 1).astype(int)
    frame["value"] = frame["value"].astype(float)
    panel = frame.groupby(["team", "period"])["value"].agg(y="mean", n="count").reset_index()
    first = dict(
        session.execute(
            select(Employee.team_id, func.min(Training.completed_on))
            .join(Employee, Employee.id == Training.employee_id)
            .where(Training.course == course, Employee.team_id.is_not(None))
            .group_by(Employee.team_id)
        ).all()
    )
    panel["cohort"] = [
        float(_month(first[t])) if t in first else np.nan for t in panel["team"].astype(int)
    ]
    return panel


@dataclass(frozen=True)
class TrainingEffect:
    course: str
    question: str
    did: dict[str, Any]
    event_study: dict[str, Any]
    months: list[str]
    conclusion: str


def training_effect(
    session: Session,
    *,
    course: str,
    since: date,
    until: date,
    question: str = "MOT_SAT",
    window: int = 4,
) -> TrainingEffect:
    """The course's effect on trained teams' monthly CSAT against untrained teams over the
    same months, with its interval and the event study's pre-trend check."""
    from cxm.analytics.did import did, event_study

    panel = training_panel(session, course=course, since=since, until=until, question=question)
    result = did(panel)
    events = event_study(panel, window=window)
    months = sorted(panel["period"].unique().tolist())
    if events.pretrend_p is not None and events.pretrend_p < 0.05:
        text = _(
            "Trained teams were already moving apart from the others before the course "
            "(pre-trend p = {p:.3f}): the estimate of {effect:+.2f} [{low:+.2f}, {high:+.2f}] "
            "should not be read as the course's effect."
        )
    elif result.low > 0 or result.high < 0:
        text = _(
            "After the course, trained teams' CSAT moved by {effect:+.2f} points "
            "[{low:+.2f}, {high:+.2f}] against untrained teams over the same months; no "
            "difference before it (pre-trend p = {p:.3f})."
        )
    else:
        text = _(
            "No clear effect: {effect:+.2f} points [{low:+.2f}, {high:+.2f}] against untrained "
            "teams; the interval includes zero (pre-trend p = {p:.3f})."
        )
    conclusion = text.format(
        effect=result.effect,
        low=result.low,
        high=result.high,
        p=events.pretrend_p if events.pretrend_p is not None else float("nan"),
    )
    return TrainingEffect(
        course=course,
        question=question,
        did=asdict(result),
        event_study={
            "terms": [asdict(t) for t in events.terms],
            "pretrend_f": events.pretrend_f,
            "pretrend_p": events.pretrend_p,
            "pretrend_df": events.pretrend_df,
        },
        months=[_label(int(m)) for m in months],
        conclusion=conclusion,
    )
