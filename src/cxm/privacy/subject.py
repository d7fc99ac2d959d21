"""Finding the data held about one customer, in every table that refers to them.

Tables are found from the models' metadata, not listed by hand: a table with a
``customer_id`` column holds the customer's rows ("owned"), and a table with a foreign key
to an owned table holds rows of those (answers of their responses, history of their
cases). A domain merged later (consent, cases, audit) is covered without a change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Table, select
from sqlalchemy.orm import Session

from cxm.customers.models import Customer
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.registry import metadata

__all__ = ["HeldRows", "find_customer", "held_rows"]


@dataclass(frozen=True, slots=True)
class HeldRows:
    table: Table
    #: The column naming the customer, or the foreign key to an owned table.
    link: Column[int]
    #: For a child table: the owned table its link points to.
    parent: Table | None


def find_customer(session: Session, reference: str) -> Customer:
    """The customer with external id ``reference`` (or internal id ``#123``)."""
    ref = reference.strip()
    customer = None
    if ref.startswith("#") and ref[1:].isdigit() and len(ref) < 20:
        customer = session.get(Customer, int(ref[1:]))
    else:
        customer = session.scalar(select(Customer).where(Customer.external_id == ref))
    if customer is None:
        raise NotFound(
            _("No customer {ref} (give the external id, or #id for the internal id).", ref=ref)
        )
    return customer


def held_tables() -> list[HeldRows]:
    owned = [
        HeldRows(table, table.c.customer_id, None)
        for table in metadata.sorted_tables
        if table.name != "customers" and "customer_id" in table.c
    ]
    owned_names = {h.table.name for h in owned}
    children: list[HeldRows] = []
    for table in metadata.sorted_tables:
        if table.name in owned_names or table.name == "customers":
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name in owned_names and fk.column.name == "id":
                children.append(HeldRows(table, fk.parent, fk.column.table))
                break
    return owned + children


def held_rows(
    session: Session, customer_id: int
) -> Iterator[tuple[HeldRows, list[dict[str, object]]]]:
    """Every table holding rows about the customer, with those rows (in primary-key order)."""
    for held in held_tables():
        table = held.table
        order = list(table.primary_key.columns)
        if held.parent is None:
            query = select(table).where(held.link == customer_id)
        else:
            parent_ids = select(held.parent.c.id).where(held.parent.c.customer_id == customer_id)
            query = select(table).where(held.link.in_(parent_ids))
        rows = [dict(r._mapping) for r in session.execute(query.order_by(*order))]
        if rows:
            yield held, rows
