"""The rest of the service scorecard: case outcomes, mystery shopping and recognition, per
team and per employee, adjusted for mix as the moments-of-truth CSAT is
(:func:`cxm.people.scorecard.standardise`).

* **Cases** (``cxm.cases``) opened in the period, by the team the case belongs to or the
  employee whose staff account owns it, stratified by case type (a team handling the hard
  complaints is not punished against one answering enquiries):
  ``sla_kept`` — the resolution deadline met, among cases whose clock stopped or whose
  deadline passed by the period's end; ``reopen_rate`` — resolved cases reopened at
  least once; ``followup_csat`` — the follow-up survey's handling CSAT (1–5).
* **Mystery shopping** (``cxm.standards``): share of standards met in the period's visits
  to the team, stratified by journey stage (teams only: a visit names no employee).
* **Recognition**: the improvement projects' recognitions (``cxm projects recognise``)
  in the period, for the project's team and, where the person is an employee's id or name,
  for that employee — listed with the project and reason, not scored.

Every measure carries ``n``, crude and adjusted values, a 95 % interval, ``partial`` (the
unit lacks a stratum of the standard mix) and ``small`` (fewer than ``min_n``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.cases.models import Case, CaseFollowUp
from cxm.errors import InputError
from cxm.i18n import _
from cxm.org.models import Employee, Team
from cxm.people.scorecard import standardise
from cxm.standards.models import ImprovementProject, Recognition, ShoppingAnswer, ShoppingVisit

__all__ = [
    "MEASURES",
    "Measure",
    "OutcomeCard",
    "Recognised",
    "card_document",
    "outcome_cards",
    "outcome_frames",
]

Level = Literal["team", "employee"]

#: Measure → stratum it is adjusted by, in the order shown.
MEASURES: dict[str, str] = {
    "sla_kept": "case type",
    "reopen_rate": "case type",
    "followup_csat": "case type",
    "shopping_met": "stage",
}


@dataclass(frozen=True)
class Measure:
    n: int
    crude: float
    adjusted: float
    low: float
    high: float
    partial: bool
    small: bool


@dataclass(frozen=True)
class Recognised:
    person: str
    project: str
    reason: str
    awarded_on: str


@dataclass(frozen=True)
class OutcomeCard:
    key: int  # team id or employee id
    name: str
    team: str | None
    measures: dict[str, Measure] = field(default_factory=dict)
    recognitions: list[Recognised] = field(default_factory=list)


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    if until < since:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(date.fromordinal(until.toordinal() + 1), time.min, tzinfo=UTC)
    return start, end


def outcome_frames(
    session: Session, *, since: date, until: date, level: Level = "team"
) -> dict[str, pd.DataFrame]:
    """Per measure, one row per observation: ``team_id`` (the unit: a team or employee id),
    ``stratum`` and ``value`` — what :func:`standardise` takes."""
    start, end = _bounds(since, until)
    owner_to_employee = {
        u: e
        for e, u in session.execute(
            select(Employee.id, Employee.staff_user_id).where(Employee.staff_user_id.is_not(None))
        )
    }
    rows = session.execute(
        select(
            Case.id,
            Case.type,
            Case.team_id,
            Case.owner_user_id,
            Case.resolution_due,
            Case.resolved_at,
            Case.reopened,
        ).where(Case.opened_at >= start, Case.opened_at < end)
    ).all()
    cases = pd.DataFrame(
        rows,
        columns=["case_id", "type", "team", "owner", "due", "resolved_at", "reopened"],
    )
    cases["stratum"] = cases["type"].map(lambda v: str(getattr(v, "value", v)))
    if level == "team":
        cases["unit"] = cases["team"]
    else:
        cases["unit"] = cases["owner"].map(lambda u: owner_to_employee.get(u))
    cases = cases.dropna(subset=["unit"])
    due = pd.to_datetime(cases["due"], utc=True)
    done = pd.to_datetime(cases["resolved_at"], utc=True)
    decided = done.notna() | (due < pd.Timestamp(end))
    met = done.notna() & (done <= due)
    sla = pd.DataFrame(
        {
            "team_id": cases["unit"],
            "stratum": cases["stratum"],
            "value": met.astype(float),
        }
    )[decided.to_numpy()]
    resolved = cases[done.notna().to_numpy()]
    reopen = pd.DataFrame(
        {
            "team_id": resolved["unit"],
            "stratum": resolved["stratum"],
            "value": (resolved["reopened"].fillna(0) > 0).astype(float),
        }
    )
    follow = pd.DataFrame(
        session.execute(
            select(CaseFollowUp.case_id, CaseFollowUp.handling_csat).where(
                CaseFollowUp.handling_csat.is_not(None),
                CaseFollowUp.case_id.in_(cases["case_id"].astype(int).tolist() or [-1]),
            )
        ).all(),
        columns=["case_id", "value"],
    ).merge(cases[["case_id", "unit", "stratum"]], on="case_id")
    followup = pd.DataFrame(
        {
            "team_id": follow["unit"],
            "stratum": follow["stratum"],
            "value": follow["value"].astype(float),
        }
    )
    frames = {"sla_kept": sla, "reopen_rate": reopen, "followup_csat": followup}
    if level == "team":
        team_ids = {name: i for i, name in session.execute(select(Team.id, Team.name))}
        shop = pd.DataFrame(
            session.execute(
                select(ShoppingVisit.team, ShoppingVisit.stage, ShoppingAnswer.met)
                .join(ShoppingAnswer, ShoppingAnswer.visit_id == ShoppingVisit.id)
                .where(ShoppingVisit.visited_at >= start, ShoppingVisit.visited_at < end)
            ).all(),
            columns=["team", "stratum", "value"],
        )
        shop["team_id"] = shop["team"].map(team_ids)
        frames["shopping_met"] = shop.dropna(subset=["team_id"])[
            ["team_id", "stratum", "value"]
        ].astype({"value": float})
    return frames


def outcome_cards(
    session: Session,
    *,
    since: date,
    until: date,
    level: Level = "team",
    min_n: int | None = None,
) -> list[OutcomeCard]:
    """Case outcomes, mystery shopping and recognitions per team (or employee) in the
    period, adjusted for mix. Units with nothing in the period are left out."""
    if level not in ("team", "employee"):
        raise InputError(_("Level must be team or employee."))
    if min_n is None:
        from cxm.config import load_settings

        min_n = load_settings().min_n
    frames = outcome_frames(session, since=since, until=until, level=level)
    measures: dict[int, dict[str, Measure]] = {}
    for name, frame in frames.items():
        if frame.empty:
            continue
        data = frame.assign(team_id=frame["team_id"].astype(int))
        for row in standardise(data, min_n=min_n).to_dict("records"):
            measures.setdefault(int(row["team_id"]), {})[name] = Measure(
                n=int(row["n"]),
                crude=round(float(row["crude"]), 4),
                adjusted=round(float(row["adjusted"]), 4),
                low=round(float(row["low"]), 4),
                high=round(float(row["high"]), 4),
                partial=bool(row["partial"]),
                small=bool(row["small"]),
            )
    teams = {int(i): str(name) for i, name in session.execute(select(Team.id, Team.name))}
    recognitions: dict[int, list[Recognised]] = {}
    people = list(
        session.execute(select(Employee.id, Employee.external_id, Employee.name, Employee.team_id))
    )
    by_person = {}
    for e in people:
        by_person[e.external_id] = e.id
        if e.name:
            by_person.setdefault(e.name, e.id)
    team_by_name = {name: i for i, name in teams.items()}
    for person, reason, awarded, project, project_team in session.execute(
        select(
            Recognition.person,
            Recognition.reason,
            Recognition.awarded_on,
            ImprovementProject.name,
            ImprovementProject.team,
        )
        .join(ImprovementProject, ImprovementProject.id == Recognition.project_id)
        .where(Recognition.awarded_on >= since, Recognition.awarded_on <= until)
        .order_by(Recognition.awarded_on)
    ):
        item = Recognised(
            person=person, project=project, reason=reason, awarded_on=awarded.isoformat()
        )
        key = team_by_name.get(project_team) if level == "team" else by_person.get(person)
        if key is not None:
            recognitions.setdefault(key, []).append(item)
    if level == "team":
        names: dict[int, tuple[str, str | None]] = {i: (n, n) for i, n in teams.items()}
    else:
        names = {e.id: (e.external_id, teams.get(e.team_id)) for e in people}
    cards = [
        OutcomeCard(
            key=key,
            name=names.get(key, (str(key), None))[0],
            team=names.get(key, (str(key), None))[1],
            measures=measures.get(key, {}),
            recognitions=recognitions.get(key, []),
        )
        for key in set(measures) | set(recognitions)
    ]
    return sorted(cards, key=lambda c: c.name)


def card_document(card: OutcomeCard) -> dict[str, Any]:
    return {
        "key": card.key,
        "name": card.name,
        "team": card.team,
        "measures": {k: m.__dict__ for k, m in card.measures.items()},
        "recognitions": [r.__dict__ for r in card.recognitions],
    }
