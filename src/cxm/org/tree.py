"""The organisation as a tree (``cxm org show``) and who serves a customer on a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cxm.errors import NotFound
from cxm.i18n import _
from cxm.org.hierarchy import subunits
from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team

__all__ = ["TeamNode", "UnitNode", "org_tree", "serving_team"]


@dataclass
class TeamNode:
    id: int
    name: str
    lead: str | None
    members: int
    sub_teams: list[TeamNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "lead": self.lead,
            "members": self.members,
            "sub_teams": [t.to_dict() for t in self.sub_teams],
        }


@dataclass
class UnitNode:
    id: int
    code: str
    name: str
    kind: str
    units: list[UnitNode] = field(default_factory=list)
    teams: list[TeamNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "units": [u.to_dict() for u in self.units],
            "teams": [t.to_dict() for t in self.teams],
        }


def org_tree(
    session: Session, *, unit: str | None = None, team_ids: frozenset[int] | None = None
) -> list[UnitNode]:
    """The units below ``unit`` (a code; default: every root) with their teams, leads (by
    employee external id) and current member counts. ``team_ids`` keeps only those teams
    (and the units on their way up)."""
    if unit is not None:
        root = session.scalar(select(OrgUnit).where(OrgUnit.code == unit))
        if root is None:
            raise NotFound(_("No org unit with code {code}.", code=unit))
        keep = subunits(session, {root.id})
        roots = [root.id]
    else:
        keep = None
        roots = []
    today = date.today()
    units = {
        u.id: UnitNode(u.id, u.code, u.name, u.kind.value)
        for u in session.scalars(select(OrgUnit).order_by(OrgUnit.code))
        if keep is None or u.id in keep
    }
    parent_of: dict[int, int | None] = dict(
        session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all()
    )
    members: dict[int | None, int] = dict(
        session.execute(
            select(Employee.team_id, func.count(Employee.id))
            .where(
                Employee.team_id.is_not(None),
                or_(Employee.left_on.is_(None), Employee.left_on >= today),
            )
            .group_by(Employee.team_id)
        ).all()
    )
    leads: dict[int, str] = dict(session.execute(select(Employee.id, Employee.external_id)).all())
    teams: dict[int, tuple[TeamNode, int | None, int | None]] = {}
    for t in session.scalars(select(Team).order_by(Team.name)):
        node = TeamNode(
            t.id, t.name, leads.get(t.lead_id) if t.lead_id else None, members.get(t.id, 0)
        )
        teams[t.id] = (node, t.parent_id, t.unit_id)
    visible = set(teams) if team_ids is None else set(team_ids) & set(teams)
    for tid in sorted(visible, key=lambda i: teams[i][0].name):
        node, parent, unit_id = teams[tid]
        if parent is not None and parent in visible:
            teams[parent][0].sub_teams.append(node)
        elif unit_id is not None and unit_id in units:
            units[unit_id].teams.append(node)
    if team_ids is not None:  # only the branches that hold a visible team
        needed: set[int] = set()
        for tid in visible:
            at = teams[tid][2]
            while at is not None and at not in needed:
                needed.add(at)
                at = parent_of.get(at)
        units = {k: v for k, v in units.items() if k in needed}
    for uid, unit_node in units.items():
        up = parent_of.get(uid)
        if up is not None and up in units and uid not in roots:
            units[up].units.append(unit_node)
    if roots:
        return [units[r] for r in roots if r in units]
    return [n for uid, n in units.items() if parent_of.get(uid) not in units]


def serving_team(session: Session, *, customer_id: int, on: date) -> CustomerAssignment | None:
    """The assignment (team and relationship manager) serving ``customer_id`` on ``on``."""
    a = CustomerAssignment
    return session.scalar(
        select(a).where(
            a.customer_id == customer_id,
            a.starts_on <= on,
            or_(a.ends_on.is_(None), a.ends_on >= on),
        )
    )
