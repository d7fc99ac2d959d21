"""Finding cases for the inbox, the API and the command line: the one place their queries
live (the web and CLI layers hold no SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxm.cases.access import visible
from cxm.cases.codes import CaseStatus
from cxm.cases.models import Case, CaseFollowUp, RecoveryAction
from cxm.errors import NotFound
from cxm.i18n import _

__all__ = [
    "OPEN",
    "VIEWS",
    "StaffChoice",
    "case_record",
    "find_cases",
    "followups_of",
    "inbox_cases",
    "recovery_of",
    "staff_choices",
    "staff_user_id",
]

OPEN = (
    CaseStatus.NEW,
    CaseStatus.ACKNOWLEDGED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_ON_CUSTOMER,
)
VIEWS = ("mine", "team", "open", "breaching", "all")
View = Literal["mine", "team", "open", "breaching", "all"]


def _breaching() -> Any:
    return (
        Case.status.not_in([CaseStatus.RESOLVED, CaseStatus.CLOSED]),
        or_(Case.warned_at.is_not(None), Case.escalated_at.is_not(None)),
    )


def find_cases(
    session: Session,
    *,
    viewer: tuple[int, frozenset[int] | None] | None = None,
    statuses: Sequence[CaseStatus] | None = None,
    owner_user_id: int | None = None,
    team_id: int | None = None,
    breaching: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[Case]:
    """Cases, the nearest resolution deadline first. ``viewer`` (user id, team ids; None
    teams: every team) limits them to what that user may see; None: all (the CLI)."""
    q = select(Case)
    if viewer is not None:
        q = q.where(visible(*viewer))
    if statuses:
        q = q.where(Case.status.in_(list(statuses)))
    if owner_user_id is not None:
        q = q.where(Case.owner_user_id == owner_user_id)
    if team_id is not None:
        q = q.where(Case.team_id == team_id)
    if breaching:
        q = q.where(*_breaching())
    return list(
        session.scalars(q.order_by(Case.resolution_due, Case.id).offset(offset).limit(limit))
    )


def inbox_cases(
    session: Session,
    *,
    user_id: int,
    user_team_id: int | None,
    team_ids: frozenset[int] | None,
    view: str,
    search: str = "",
    limit: int = 200,
) -> list[Case]:
    """One view of the agent's inbox (``mine``, ``team``, ``open``, ``breaching``, ``all``)
    among the cases the user may see, filtered by words of the subject."""
    from cxm.org.serving import in_teams

    q = select(Case).where(visible(user_id, team_ids))
    if view == "team":
        mine = frozenset({user_team_id}) if user_team_id is not None else frozenset()
        q = q.where(Case.status.in_(OPEN), in_teams(Case.team_id, Case.customer_id, mine))
    elif view == "mine":
        q = q.where(Case.owner_user_id == user_id, Case.status.in_(OPEN))
    elif view == "open":
        q = q.where(Case.status.in_(OPEN))
    elif view == "breaching":
        q = q.where(Case.status.in_(OPEN), *_breaching()[1:])
    if search.strip():
        q = q.where(Case.subject.contains(search.strip()[:100]))
    return list(session.scalars(q.order_by(Case.resolution_due, Case.id).limit(limit)))


def recovery_of(session: Session, case_id: int) -> list[RecoveryAction]:
    return list(
        session.scalars(
            select(RecoveryAction)
            .where(RecoveryAction.case_id == case_id)
            .order_by(RecoveryAction.id)
        )
    )


def followups_of(session: Session, case_id: int) -> list[CaseFollowUp]:
    return list(
        session.scalars(
            select(CaseFollowUp).where(CaseFollowUp.case_id == case_id).order_by(CaseFollowUp.id)
        )
    )


def case_record(session: Session, case_id: int) -> dict[str, Any]:
    """A case with its whole history, recovery actions and follow-ups, as plain data."""
    from cxm.cases.service import case_summary, get_case

    case = get_case(session, case_id)
    out = case_summary(case)
    out["history"] = [
        {
            "at": e.at,
            "kind": e.kind.value,
            "actor_user_id": e.actor_user_id,
            "from": e.from_status,
            "to": e.to_status,
            "note": e.note,
            "data": e.data,
        }
        for e in case.events
    ]
    out["recovery"] = [
        {
            "kind": r.kind.value,
            "description": r.description,
            "amount": r.amount,
            "currency": r.currency,
            "cost": r.cost,
            "approved_by_user_id": r.approved_by_user_id,
            "exception_rule": r.exception_rule,
            "exception_reason": r.exception_reason,
        }
        for r in recovery_of(session, case_id)
    ]
    out["followups"] = [
        {
            "round": f.round,
            "sent_at": f.sent_at,
            "answered_at": f.answered_at,
            "solved": f.solved,
            "handling_csat": f.handling_csat,
            "recommend": f.recommend,
        }
        for f in followups_of(session, case_id)
    ]
    return out


class StaffChoice(NamedTuple):
    id: int
    name: str


def staff_choices(session: Session) -> list[StaffChoice]:
    """Active staff (id, name), by name: whom a case can be handed to."""
    from cxm.accounts.models import StaffUser

    return [
        StaffChoice(int(i), str(n))
        for i, n in session.execute(
            select(StaffUser.id, StaffUser.name)
            .where(StaffUser.active.is_(True))
            .order_by(StaffUser.name)
        )
    ]


def staff_user_id(session: Session, name: str) -> int | None:
    """The id of staff user ``name``; None for an empty name; 404 for an unknown one."""
    from cxm.accounts.models import StaffUser

    if not name:
        return None
    uid = session.scalar(select(StaffUser.id).where(StaffUser.name == name))
    if uid is None:
        raise NotFound(_("No staff user {name}.", name=name))
    return int(uid)
