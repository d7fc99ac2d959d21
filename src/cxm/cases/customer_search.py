"""Finding customers for the staff workspace: by id, name, phone or e-mail, within what
the user may see (their teams' customers and the customers of their cases).

Every branch of the search reads an index (migration 0017): the external id, phone and
e-mail by equality, the name by prefix as a range (``name >= q AND name < q + U+FFFF``),
which a plain B-tree index serves on SQLite and on PostgreSQL whatever the collation —
``LIKE 'q%'`` does not (SQLite's LIKE is case-insensitive; PostgreSQL's needs the C
collation or ``text_pattern_ops``). So a search at a million customers reads a few rows.

With the cases (moved from ``cxm.customers``, which sits below them): an agent sees the
customers of their cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, or_, select, true, union
from sqlalchemy.orm import Session

from cxm.customers.models import Customer
from cxm.errors import NotFound
from cxm.i18n import _

__all__ = ["CustomerHit", "check_customer_visible", "search_customers", "visible_customers"]

#: The most rows one search shows.
LIMIT = 50


@dataclass(frozen=True, slots=True)
class CustomerHit:
    id: int
    external_id: str
    name: str | None
    phone: str | None
    email: str | None
    region: str | None
    status: str


def visible_customers(user_id: int, team_ids: frozenset[int] | None) -> ColumnElement[bool]:
    """A condition on :class:`Customer`: those served today by ``team_ids`` (None: all) and
    those with a case owned by ``user_id`` (an agent sees the customers of their cases)."""
    if team_ids is None:
        return true()
    from cxm.cases.models import Case
    from cxm.org.serving import served_by

    mine = select(Case.customer_id).where(Case.owner_user_id == user_id)
    return or_(
        Customer.id.in_(served_by(team_ids, on=date.today())) if team_ids else false(),
        Customer.id.in_(mine),
    )


def check_customer_visible(
    session: Session, customer_id: int, *, user_id: int, team_ids: frozenset[int] | None
) -> None:
    """404 for a customer outside what the user may see (existence not revealed)."""
    hit = session.scalar(
        select(Customer.id).where(Customer.id == customer_id, visible_customers(user_id, team_ids))
    )
    if hit is None:
        raise NotFound(_("No customer {id}.", id=customer_id))


def search_customers(
    session: Session,
    query: str,
    *,
    user_id: int,
    team_ids: frozenset[int] | None,
    limit: int = LIMIT,
) -> list[CustomerHit]:
    """Customers whose external id, phone or e-mail equals ``query`` or whose name starts
    with it, that the user may see; exact matches first, then by name."""
    q = " ".join(query.split())[:200]
    if not q:
        return []
    c = Customer
    # The name branch is limited inside a subquery (SQLite takes no LIMIT in a UNION
    # member), after the scope: an agent's 50 are the first 50 of their own customers.
    visible = visible_customers(user_id, team_ids)
    by_name = (
        select(c.id.label("id"))
        .where(c.name >= q, c.name < q + "\uffff", visible)
        .order_by(c.name)
        .limit(limit)
        .subquery()
    )
    branches = [
        select(c.id).where(c.external_id == q),
        select(c.id).where(c.phone == q),
        select(c.id).where(c.email == q),
        select(by_name.c.id),
    ]
    if q.isdigit() and int(q) < 2**31:  # a phone number is no database id
        branches.append(select(c.id).where(c.id == int(q)))
    if "@" in q and q.lower() != q:
        branches.append(select(c.id).where(c.email == q.lower()))
    ids = union(*branches).subquery()
    rows = session.execute(
        select(c.id, c.external_id, c.name, c.phone, c.email, c.region, c.status)
        .where(c.id.in_(select(ids.c.id)), visible)
        .limit(limit * 2)
    ).all()
    exact = {q, q.lower()}
    hits = [
        CustomerHit(i, e, n, p, m, r, str(getattr(s, "value", s))) for i, e, n, p, m, r, s in rows
    ]
    hits.sort(
        key=lambda h: (
            not ({h.external_id, h.phone or "", h.email or "", str(h.id)} & exact),
            h.name or "",
            h.id,
        )
    )
    return hits[:limit]
