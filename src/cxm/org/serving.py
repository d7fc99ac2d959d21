"""Which team serves a customer: the SQL pieces that scope customer data to teams."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from cxm.org.models import CustomerAssignment

__all__ = ["in_teams", "served_by"]


def served_by(team_ids: Collection[int], *, on: date) -> Select[int]:
    """Ids of the customers that ``team_ids`` serve on day ``on``."""
    a = CustomerAssignment
    return select(a.customer_id).where(
        a.team_id.in_(list(team_ids)),
        a.starts_on <= on,
        or_(a.ends_on.is_(None), a.ends_on >= on),
    )


def in_teams(
    team_column: ColumnElement[int | None] | object,
    customer_column: ColumnElement[int | None] | object,
    team_ids: frozenset[int] | None,
    *,
    on: date | None = None,
) -> ColumnElement[bool]:
    """A condition keeping rows of ``team_ids``: the row's own team when it has one (a
    moment-of-truth survey names it), else the team serving its customer today (or ``on``).
    ``team_ids`` None keeps every row."""
    if team_ids is None:
        return true()
    if not team_ids:
        return false()
    team: ColumnElement[int | None] = team_column  # type: ignore[assignment]
    customer: ColumnElement[int | None] = customer_column  # type: ignore[assignment]
    return or_(
        team.in_(sorted(team_ids)),
        and_(team.is_(None), customer.in_(served_by(team_ids, on=on or date.today()))),
    )
