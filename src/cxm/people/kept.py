"""The people workspace's figures, computed once per change of the data they read.

The scorecards (moments-of-truth CSAT per team and employee, adjusted for mix), the case
outcomes and the employee survey's index and cuts read every answer, touchpoint and case
of the period: a second of CPU per request at 20,000 customers, more at a million. They
are computed for the whole company, kept per period, minimum group and language
(:mod:`cxm.store.kept`), and each reader's page takes the part their role and scope allow
from the kept copy (:func:`cxm.people.workspace.people_workspace`); the page says when it
was computed. The linkage with customers' results (bootstrapped, asked for explicitly) is
kept the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.i18n import language
from cxm.store import Store
from cxm.store.kept import Kept, KeptResults

__all__ = [
    "FIGURES",
    "LINKAGE",
    "CompanyFigures",
    "company_figures",
    "kept_figures",
    "kept_linkage",
]


@dataclass(frozen=True)
class CompanyFigures:
    """Everything the page shows, for the whole company, as documents (read only)."""

    #: Moments-of-truth CSAT per employee (``employee_id`` in each), in scorecard order.
    employees: list[dict[str, Any]]
    #: Case outcomes per employee id and per team id (:func:`card_document`).
    employee_outcomes: dict[int, dict[str, Any]]
    teams: list[dict[str, Any]]
    team_outcomes: dict[int, dict[str, Any]]
    #: Each employee's team.
    team_of: dict[int, int | None]
    #: The latest employee survey: wave, minimum, company and team results, and the cuts by
    #: declared attribute (empty when the company result is withheld); None without a wave.
    survey: dict[str, Any] | None


def _watched() -> Sequence[Any]:
    """What the scorecards, outcomes and employee survey read (indexed latest changes, see
    :mod:`cxm.store.changes`)."""
    from cxm.cases.models import Case, CaseFollowUp
    from cxm.customers.models import Customer, Touchpoint
    from cxm.org.models import CustomerAssignment, Employee, Team
    from cxm.people.models import EmployeeResponse, EmployeeToken, EmployeeWave
    from cxm.standards.models import ImprovementProject, Recognition, ShoppingAnswer, ShoppingVisit
    from cxm.surveys.models import Response

    return (
        Response.updated_at,
        Touchpoint.id,
        Customer.updated_at,
        CustomerAssignment.updated_at,
        Employee.updated_at,
        Team.updated_at,
        Case.updated_at,
        CaseFollowUp.id,
        ShoppingVisit.updated_at,
        ShoppingAnswer.id,
        Recognition.id,
        ImprovementProject.updated_at,
        EmployeeWave.updated_at,
        EmployeeResponse.id,
        EmployeeToken.id,
    )


#: Per database, period, minimum group and language.
FIGURES: KeptResults[CompanyFigures] = KeptResults("people figures", _watched, size=16)
#: The linkage document per database, minimum group and language.
LINKAGE: KeptResults[dict[str, Any]] = KeptResults("people linkage", _watched, size=8)


def company_figures(session: Session, *, since: date, until: date, minimum: int) -> CompanyFigures:
    """The whole company's figures for the period (what :data:`FIGURES` keeps)."""
    from cxm.org.models import Employee
    from cxm.people.models import EmployeeWave
    from cxm.people.outcomes import card_document, outcome_cards
    from cxm.people.scorecard import employee_scorecard, team_scorecard
    from cxm.people.surveys import attribute_cuts, employee_index

    employees = [asdict(p) for p in employee_scorecard(session, since=since, until=until)]
    employee_outcomes = {
        int(c.key): card_document(c)
        for c in outcome_cards(session, since=since, until=until, level="employee")
    }
    teams = [asdict(c) for c in team_scorecard(session, since=since, until=until)]
    team_outcomes = {
        int(c.key): card_document(c)
        for c in outcome_cards(session, since=since, until=until, level="team")
    }
    team_of = {int(e): t for e, t in session.execute(select(Employee.id, Employee.team_id))}
    survey: dict[str, Any] | None = None
    wave = session.scalars(select(EmployeeWave).order_by(EmployeeWave.opens_on.desc())).first()
    if wave is not None:
        result = employee_index(session, wave=wave.id, minimum=minimum)
        survey = {
            "wave": result.wave,
            "minimum": result.minimum,
            "company": asdict(result.company),
            "teams": [asdict(t) for t in result.teams],
            "cuts": [
                asdict(attribute_cuts(session, wave=wave.id, attribute=a, minimum=minimum))
                for a in (wave.attributes or [] if result.company.shown else [])
            ],
        }
    return CompanyFigures(employees, employee_outcomes, teams, team_outcomes, team_of, survey)


def _url(store: Store) -> str:
    return str(store.engine.url)


def kept_figures(
    store: Store,
    session: Session,
    *,
    since: date,
    until: date,
    minimum: int,
    lang: str,
    patience_s: float = 3.0,
) -> Kept[CompanyFigures] | None:
    """The kept figures (stale while newer ones are computed beside), the reason there are
    none in ``error``; with nothing kept, computed beside, and None unless they are ready
    within ``patience_s`` (a small company's page is whole at once; a million customers'
    takes a minute the first time, and the page says so and reloads itself)."""

    def compute() -> CompanyFigures:
        with language(lang), store.session() as s:
            try:
                return company_figures(s, since=since, until=until, minimum=minimum)
            finally:
                s.rollback()  # read only

    key = (_url(store), since, until, minimum, lang)
    return FIGURES.get(session, key, compute, wait=False, patience_s=patience_s)


def kept_linkage(
    store: Store, session: Session, *, minimum: int, lang: str
) -> Kept[dict[str, Any]]:
    """The linkage with customers' results (1,000 team-cluster resamples), kept; the
    reason there is none in ``error``."""
    from cxm.people.linkage_report import linkage_document

    def compute() -> dict[str, Any]:
        with language(lang), store.session() as s:
            try:
                return linkage_document(s, resamples=1000, minimum=minimum)
            finally:
                s.rollback()  # read only

    return LINKAGE.get_waiting(session, (_url(store), minimum, lang), compute)
