"""One customer across sources: find probable duplicates on match keys, merge two
customers (audited), and undo a merge.

Match keys (``KEYS``), each compared in a normal form:

* ``phone`` — digits only, a leading 86 / 0086 country code dropped (``+86 138-0013-8000``
  and ``13800138000`` match);
* ``email`` — trimmed and case-folded;
* ``id_card`` — a Chinese resident ID-card number from the attribute ``id_card`` (or the
  hash already stored as ``id_card_hash``), compared as the SHA-256 of the upper-cased
  number, so the report shows a hash prefix, never the number;
* ``buyer_id`` — the shop's buyer id from the attribute ``buyer_id`` (e.g. 买家会员名).

A merge moves every row that points at the merged customer (purchases, order lines,
touchpoints, responses, invitations… found from the schema's foreign keys) to the kept
one, fills the kept customer's empty fields and attributes from the merged one, deletes the
merged customer and records all of it in ``customer_merges``: :func:`unmerge` restores the
merged customer with its id, moves its rows back and restores the kept customer's fields.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, DateTime, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxm.customers.importing.models import CustomerMerge
from cxm.customers.models import Customer
from cxm.errors import InputError, NotFound
from cxm.files.parsing import normalise_text
from cxm.i18n import _
from cxm.store.base import Base, utcnow

__all__ = [
    "KEYS",
    "DuplicateGroup",
    "find_duplicates",
    "match_key",
    "merge_customers",
    "unmerge",
]

KEYS = ("phone", "email", "id_card", "buyer_id")
_FILLED = ("name", "phone", "email", "region", "channel", "acquired_on")
_CUSTOMERS = cast(Table, Customer.__table__)
_MERGES = cast(Table, CustomerMerge.__table__)


def _phone(text: str) -> str:
    digits = "".join(ch for ch in normalise_text(text) if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits if len(digits) >= 7 else ""


def _id_card(text: str) -> str:
    number = normalise_text(text).replace(" ", "").upper()
    return hashlib.sha256(number.encode()).hexdigest() if number else ""


def match_key(key: str, row: dict[str, Any]) -> str:
    """The normal form of ``key`` for a customer row (``""`` when it has none)."""
    attributes = row.get("attributes") or {}
    if key == "phone":
        return _phone(str(row.get("phone") or ""))
    if key == "email":
        return normalise_text(str(row.get("email") or "")).casefold()
    if key == "id_card":
        if attributes.get("id_card_hash"):
            return str(attributes["id_card_hash"]).lower()
        return _id_card(str(attributes.get("id_card") or ""))
    if key == "buyer_id":
        return normalise_text(str(attributes.get("buyer_id") or "")).casefold()
    raise InputError(_("Unknown match key {key!r}; use {keys}.", key=key, keys=", ".join(KEYS)))


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers that share the normal form of one match key."""

    key: str
    #: the shared value as shown (an ID-card hash is cut to 12 characters)
    value: str
    customers: tuple[str, ...]


def find_duplicates(session: Session, *, keys: Sequence[str] = KEYS) -> list[DuplicateGroup]:
    """Groups of two or more customers sharing a key, largest first."""
    for key in keys:
        match_key(key, {})  # refuses an unknown key
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    rows = session.execute(
        select(
            _CUSTOMERS.c.external_id,
            _CUSTOMERS.c.phone,
            _CUSTOMERS.c.email,
            _CUSTOMERS.c.attributes,
        ).order_by(_CUSTOMERS.c.external_id)
    )
    for external_id, phone, email, attributes in rows:
        row = {"phone": phone, "email": email, "attributes": attributes}
        for key in keys:
            value = match_key(key, row)
            if value:
                groups[(key, value)].append(external_id)
    out = [
        DuplicateGroup(key, value[:12] if key == "id_card" else value, tuple(ids))
        for (key, value), ids in groups.items()
        if len(ids) > 1
    ]
    return sorted(out, key=lambda g: (-len(g.customers), g.key, g.value))


def _referencing() -> list[tuple[Table, str]]:
    """Every (table, column) whose foreign key points at ``customers.id``."""
    # By name: resolving every key would need every table of the schema loaded.
    return [
        (table, fk.parent.name)
        for table in Base.metadata.sorted_tables
        if table.name != _MERGES.name
        for fk in table.foreign_keys
        if fk.target_fullname == f"{_CUSTOMERS.name}.id"
    ]


def _customer(session: Session, external_id: str) -> dict[str, Any]:
    row = (
        session.execute(select(_CUSTOMERS).where(_CUSTOMERS.c.external_id == external_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(_("No customer has the id {id!r}.", id=external_id))
    return dict(row)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, date):  # datetimes too
            out[name] = value.isoformat()
        elif hasattr(value, "value"):  # enums
            out[name] = value.value
        else:
            out[name] = value
    return out


def _restore(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        column_type = table.c[name].type
        enum_class = getattr(column_type, "enum_class", None)
        if value is None or not isinstance(value, str):
            out[name] = value
        elif enum_class is not None:
            out[name] = enum_class(value)
        elif isinstance(column_type, DateTime):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(column_type, Date):
            out[name] = date.fromisoformat(value)
        else:
            out[name] = value
    return out


def _shared_keys(kept: dict[str, Any], merged: dict[str, Any]) -> list[str]:
    return [k for k in KEYS if match_key(k, kept) and match_key(k, kept) == match_key(k, merged)]


def merge_customers(
    session: Session, *, kept: str, merged: str, by: str | None = None, force: bool = False
) -> CustomerMerge:
    """Fold customer ``merged`` into ``kept`` (both external ids); see the module notes.

    Raises
    ------
    InputError
        The two are the same customer, share no match key (unless ``force``), or a moved
        row would collide with one the kept customer has (e.g. both invited to one wave).
    """
    if kept == merged:
        raise InputError(_("A customer cannot be merged into itself ({id}).", id=kept))
    keep, gone = _customer(session, kept), _customer(session, merged)
    shared = _shared_keys(keep, gone)
    if not shared and not force:
        raise InputError(
            _(
                "{a} and {b} share no match key ({keys}); give --force to merge them anyway.",
                a=kept,
                b=merged,
                keys=", ".join(KEYS),
            )
        )
    moved: dict[str, list[int]] = {}
    nested = session.begin_nested()
    try:
        for table, column in _referencing():
            if "id" not in table.c:
                # One row per customer, derived (customer_aggregates): the merged customer's
                # row goes with them; `cxm compute customers` computes the kept one again.
                session.execute(delete(table).where(table.c[column] == gone["id"]))
                continue
            ids = list(session.scalars(select(table.c.id).where(table.c[column] == gone["id"])))
            if not ids:
                continue
            session.execute(update(table).where(table.c.id.in_(ids)).values({column: keep["id"]}))
            moved[f"{table.name}.{column}"] = ids
        before = {name: keep[name] for name in (*_FILLED, "attributes")}
        fill = {name: gone[name] for name in _FILLED if keep[name] is None and gone[name]}
        attributes = {**(gone["attributes"] or {}), **(keep["attributes"] or {})}
        if attributes != (keep["attributes"] or {}):
            fill["attributes"] = attributes
        if fill:
            session.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == keep["id"]).values(fill))
        session.execute(delete(_CUSTOMERS).where(_CUSTOMERS.c.id == gone["id"]))
        nested.commit()
    except IntegrityError as exc:
        nested.rollback()
        raise InputError(
            _(
                "{a} and {b} cannot be merged: a row of {b} collides with one of {a} ({reason}).",
                a=kept,
                b=merged,
                reason=str(exc.orig).splitlines()[0],
            )
        ) from None
    record = CustomerMerge(
        kept_id=keep["id"],
        merged_id=gone["id"],
        merged_external_id=merged,
        keys=",".join(shared) or "forced",
        snapshot={"merged": _jsonable(gone), "kept_before": _jsonable(before)},
        moved=moved,
        merged_by=by,
    )
    session.add(record)
    session.flush()
    return record


def unmerge(session: Session, *, merge_id: int) -> CustomerMerge:
    """Undo merge ``merge_id``: the merged customer comes back with its id and rows."""
    record = session.get(CustomerMerge, merge_id)
    if record is None:
        raise NotFound(_("No merge has the id {id}.", id=merge_id))
    if record.undone_at is not None:
        raise InputError(_("Merge {id} was already undone.", id=merge_id))
    merged = _restore(_CUSTOMERS, dict(record.snapshot["merged"]))
    session.execute(insert(_CUSTOMERS).values(merged))
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    for where, ids in record.moved.items():
        name, column = where.rsplit(".", 1)
        table = tables[name]
        session.execute(
            update(table).where(table.c.id.in_(list(ids))).values({column: record.merged_id})
        )
    before = _restore(_CUSTOMERS, dict(record.snapshot["kept_before"]))
    session.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == record.kept_id).values(before))
    record.undone_at = utcnow()
    session.flush()
    return record


def merges(session: Session, *, customer: str | None = None) -> Iterable[CustomerMerge]:
    """Recorded merges, newest first (of one kept or merged customer, if given)."""
    query = select(CustomerMerge).order_by(CustomerMerge.id.desc())
    if customer is not None:
        kept = select(_CUSTOMERS.c.id).where(_CUSTOMERS.c.external_id == customer)
        query = query.where(
            (CustomerMerge.merged_external_id == customer)
            | CustomerMerge.kept_id.in_(kept.scalar_subquery())
        )
    return session.scalars(query)
