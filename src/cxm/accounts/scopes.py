"""The teams a staff user's scope reaches, from the organisation's hierarchy."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.accounts.permissions import Scope
from cxm.org.hierarchy import teams_in_units, teams_led_by

__all__ = ["teams_in_scope"]


def teams_in_scope(session: Session, user: StaffUser, scope: Scope) -> frozenset[int] | None:
    """The ids of the teams ``scope`` reaches for ``user``; None means every team."""
    if scope is Scope.ALL:
        return None
    if scope is Scope.OWN:
        return frozenset()
    if scope is Scope.TEAM:
        return frozenset({user.team_id} if user.team_id is not None else ())
    if scope is Scope.TEAMS_LED:
        return frozenset(teams_led_by(session, user.id))
    return frozenset(teams_in_units(session, {user.unit_id} if user.unit_id is not None else ()))
