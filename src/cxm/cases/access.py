"""Which cases a staff member may see and act on (issue 16 item 6, the shared roles ×
scopes table): their own cases, the cases of the teams their grant reaches (a case without
a team belongs to the team serving its customer), and the unowned queue of cases that no
team serves yet — someone must be able to take those."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from cxm.cases.models import Case
from cxm.errors import NotFound
from cxm.i18n import _

__all__ = ["check_visible", "visible"]


def visible(user_id: int, team_ids: frozenset[int] | None) -> ColumnElement[bool]:
    """A condition on :class:`Case` for what a user with ``team_ids`` (None: every team) sees."""
    from cxm.org.serving import in_teams

    if team_ids is None:
        return true()
    return or_(
        Case.owner_user_id == user_id,
        in_teams(Case.team_id, Case.customer_id, team_ids),
        and_(Case.team_id.is_(None), Case.owner_user_id.is_(None)),
    )


def check_visible(
    session: Session, case_id: int, *, user_id: int, team_ids: frozenset[int] | None
) -> None:
    """404 for a case outside what the user may see (its existence is not revealed)."""
    hit = session.scalar(select(Case.id).where(Case.id == case_id, visible(user_id, team_ids)))
    if hit is None:
        raise NotFound(_("No case {id}.", id=case_id))
