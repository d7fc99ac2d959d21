"""The one dependency that enforces :mod:`cxm.accounts.permissions` on routes.

``Annotated[Grant, Require(Capability.EXPORT)]`` admits a signed-in user whose role has the
capability (else 403) and hands the route a :class:`Grant`: the user, the capability, the
effective scope and the ids of the teams it reaches. How the route uses it is declared:

- ``Require(cap)``: the route shows the whole company's data; a narrower grant is refused
  (403) until the route learns to filter.
- ``Require(cap, filters=True)``: the route passes ``grant.team_ids`` to its service, which
  shows only those teams' data; a thing outside them answers 404 (:meth:`Grant.check_team`).
- ``Require(cap, shared=True)``: the data belongs to no team (questionnaire texts, one's own
  account), so any scope will do.

A test walks every route and fails if one declares nothing (see ``tests/staff``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.accounts.permissions import Capability, Scope, effective_scope
from cxm.errors import NotFound, PermissionDenied
from cxm.i18n import _
from cxm.web.deps import CurrentStaff, DbSession

__all__ = ["Grant", "Require", "grant_for", "required_capability"]


@dataclass(frozen=True, slots=True)
class Grant:
    """What one user may do with one capability: ``team_ids`` None means every team;
    ``unit_ids`` are the org units of a ``unit`` scope (the user's unit and those below it),
    None for the whole company, empty for the narrower scopes."""

    user: StaffUser
    capability: Capability
    scope: Scope
    team_ids: frozenset[int] | None
    unit_ids: frozenset[int] | None = frozenset()

    @property
    def whole_company(self) -> bool:
        return self.team_ids is None

    def covers_team(self, team_id: int | None) -> bool:
        return self.team_ids is None or (team_id is not None and team_id in self.team_ids)

    def check_team(self, team_id: int | None, *, what: str) -> None:
        """404 for a thing of a team outside the grant (its existence is not revealed)."""
        if not self.covers_team(team_id):
            raise NotFound(_("Not found: {what}.", what=what))


def grant_for(session: Session, user: StaffUser, capability: Capability) -> Grant | None:
    """The user's grant for ``capability``, or None when their role lacks it."""
    from cxm.accounts.scopes import teams_in_scope
    from cxm.org.hierarchy import subunits

    scope = effective_scope(user.role, user.scope, capability)
    if scope is None:
        return None
    units: frozenset[int] | None = frozenset()
    if scope is Scope.ALL:
        units = None
    elif scope is Scope.UNIT and user.unit_id is not None:
        units = frozenset(subunits(session, {user.unit_id}))
    return Grant(user, capability, scope, teams_in_scope(session, user, scope), units)


def Require(  # capitalised: reads as a type in signatures
    capability: Capability, *, filters: bool = False, shared: bool = False
) -> Any:
    """The dependency for a route needing ``capability`` (see the module docstring)."""

    def check(user: CurrentStaff, db: DbSession) -> Grant:
        grant = grant_for(db, user, capability)
        if grant is None:
            raise PermissionDenied(
                _(
                    "Your role ({role}) does not allow this ({capability}).",
                    role=user.role.value,
                    capability=capability.value,
                )
            )
        if not (filters or shared) and not grant.whole_company:
            raise PermissionDenied(
                _(
                    "This shows the whole company; your access ({capability}) covers {scope} only.",
                    capability=capability.value,
                    scope=grant.scope.value,
                )
            )
        return grant

    marked: Any = check
    marked.cxm_capability = capability
    marked.cxm_mode = "filters" if filters else "shared" if shared else "company"
    return Depends(check)


def required_capability(call: Callable[..., Any]) -> tuple[Capability, str] | None:
    """The (capability, mode) a dependency function enforces, or None (for the route walk)."""
    cap = getattr(call, "cxm_capability", None)
    return (cap, str(call.cxm_mode)) if isinstance(cap, Capability) else None  # type: ignore[attr-defined]
