"""Hierarchy queries on both databases: descendants by a recursive CTE (SQLite ≥ 3.8.3 and
PostgreSQL both run ``WITH RECURSIVE``). The teams a staff user's scope reaches:
:func:`cxm.accounts.scopes.teams_in_scope` (accounts sit above the organisation)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cxm.org.models import Employee, OrgUnit, Team

__all__ = [
    "sub_teams",
    "subunits",
    "teams_in_units",
    "teams_led_by",
]


def _descendants(
    session: Session, table: type[OrgUnit] | type[Team], roots: Collection[int]
) -> set[int]:
    if not roots:
        return set()
    tree = select(table.id).where(table.id.in_(list(roots))).cte("tree", recursive=True)
    tree = tree.union(select(table.id).join(tree, table.parent_id == tree.c.id))
    return {int(i) for i in session.scalars(select(tree.c.id))}


def subunits(session: Session, unit_ids: Collection[int]) -> set[int]:
    """``unit_ids`` and every unit below them."""
    return _descendants(session, OrgUnit, unit_ids)


def sub_teams(session: Session, team_ids: Collection[int]) -> set[int]:
    """``team_ids`` and every sub-team below them."""
    return _descendants(session, Team, team_ids)


def teams_in_units(session: Session, unit_ids: Collection[int]) -> set[int]:
    """Teams placed in ``unit_ids`` or any unit below them, with their sub-teams."""
    units = subunits(session, unit_ids)
    if not units:
        return set()
    direct = set(session.scalars(select(Team.id).where(Team.unit_id.in_(units))))
    return sub_teams(session, direct)


def _led(user_id: int) -> Select[int]:
    return (
        select(Team.id)
        .join(Employee, Employee.id == Team.lead_id)
        .where(Employee.staff_user_id == user_id)
    )


def teams_led_by(session: Session, user_id: int) -> set[int]:
    """The teams whose lead is the employee linked to staff user ``user_id``, with their
    sub-teams (a lead sees the teams below theirs, never their sibling teams)."""
    return sub_teams(session, set(session.scalars(_led(user_id))))
