"""``/api/v1/org``: the organisation tree and teams, as far as the caller's scope reaches;
``/api/v1/audit``: the audit log. A team outside the caller's scope is not found (404)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import or_, select

from cxm.accounts.permissions import Capability
from cxm.audit import list_entries
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.org.models import Employee, Team
from cxm.org.tree import org_tree
from cxm.web.api.schemas import Instant
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(tags=["organisation"])

Org = Annotated[Grant, Require(Capability.VIEW_ORGANISATION, filters=True)]
Audit = Annotated[Grant, Require(Capability.VIEW_AUDIT)]


class MemberOut(BaseModel):
    external_id: str
    name: str | None
    job: str | None
    hired_on: date | None
    left_on: date | None


class TeamOut(BaseModel):
    id: int
    name: str
    unit_id: int | None
    parent_id: int | None
    lead: str | None
    members: list[MemberOut]


class TeamNodeOut(BaseModel):
    id: int
    name: str
    lead: str | None
    members: int
    sub_teams: list[TeamNodeOut]


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    units: list[UnitOut]
    teams: list[TeamNodeOut]


class AuditOut(BaseModel):
    id: int
    at: Instant
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/org/tree", response_model=list[UnitOut])
def tree(db: DbSession, grant: Org) -> list[UnitOut]:
    """Units with their teams (only those in the caller's scope), leads and member counts."""
    return [UnitOut.model_validate(u.to_dict()) for u in org_tree(db, team_ids=grant.team_ids)]


@router.get("/org/teams/{team_id}", response_model=TeamOut)
def team(team_id: int, db: DbSession, grant: Org) -> TeamOut:
    """One team and its current members (404 outside the caller's scope)."""
    found = db.get(Team, team_id)
    if found is None:
        raise NotFound(_("Not found: {what}.", what=_("team {id}", id=team_id)))
    grant.check_team(found.id, what=_("team {id}", id=team_id))
    today = date.today()
    members = db.scalars(
        select(Employee)
        .where(
            Employee.team_id == found.id,
            or_(Employee.left_on.is_(None), Employee.left_on >= today),
        )
        .order_by(Employee.external_id)
    )
    return TeamOut(
        id=found.id,
        name=found.name,
        unit_id=found.unit_id,
        parent_id=found.parent_id,
        lead=found.lead.external_id if found.lead is not None else None,
        members=[
            MemberOut(
                external_id=e.external_id,
                name=e.name,
                job=e.job,
                hired_on=e.hired_on,
                left_on=e.left_on,
            )
            for e in members
        ],
    )


@router.get("/audit", response_model=list[AuditOut])
def audit(
    db: DbSession,
    grant: Audit,
    entity: Annotated[str | None, Query(max_length=50)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[AuditOut]:
    """The latest audit entries, newest first."""
    return [
        AuditOut(
            id=e.id,
            at=e.at,
            actor_id=e.actor_id,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            before=e.before,
            after=e.after,
        )
        for e in list_entries(db, entity=entity, entity_id=entity_id, limit=limit)
    ]
