"""Validate chunks of purchases and touchpoints files (rows that belong to a customer).

A file without an order / touchpoint id column gets a deterministic key per row: a hash
of the row's content plus its occurrence number among identical rows in the file, so
importing the same file again finds the same keys and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from cxm.customers.importing_checks import Chunk
from cxm.customers.importing_codes import read_stage
from cxm.customers.importing_columns import ColumnMap
from cxm.customers.importing_ids import first_positions
from cxm.customers.importing_sql import lookup_ids
from cxm.customers.importing_staff import resolve_staff
from cxm.customers.models import Customer
from cxm.files.parsing import parse_amount, parse_date, parse_datetime
from cxm.i18n import _

__all__ = [
    "PURCHASE_COLUMNS",
    "TOUCHPOINT_COLUMNS",
    "purchase_update_columns",
    "touchpoint_update_columns",
    "validate_purchases",
    "validate_touchpoints",
]

PURCHASE_COLUMNS = (
    "external_id",
    "customer_id",
    "purchased_on",
    "product",
    "quantity",
    "revenue",
    "cost",
)
TOUCHPOINT_COLUMNS = (
    "external_id",
    "customer_id",
    "occurred_at",
    "channel",
    "stage",
    "employee_id",
    "team_id",
    "note",
)
_PURCHASE_FIELD_COLUMN = {
    "customer_id": "customer_id",
    "date": "purchased_on",
    "product": "product",
    "quantity": "quantity",
    "revenue": "revenue",
    "cost": "cost",
}
_TOUCHPOINT_FIELD_COLUMN = {
    "customer_id": "customer_id",
    "occurred_at": "occurred_at",
    "channel": "channel",
    "stage": "stage",
    "employee_id": "employee_id",
    "employee_name": "employee_id",
    "team": "team_id",
    "note": "note",
}
#: Largest amount a Numeric(14, 2) column holds.
_MAX_AMOUNT = Decimal("1e12")


def purchase_update_columns(columns: ColumnMap) -> list[str]:
    if not columns.has("order_id"):
        return []  # the content is the key: a row with the same key has the same content
    return sorted({c for f, c in _PURCHASE_FIELD_COLUMN.items() if columns.has(f)})


def touchpoint_update_columns(columns: ColumnMap) -> list[str]:
    if not columns.has("touchpoint_id"):
        return []
    out = {c for f, c in _TOUCHPOINT_FIELD_COLUMN.items() if columns.has(f)}
    if "employee_id" in out:
        out.add("team_id")
    return sorted(out)


def _customers(chunk: Chunk, conn: Connection) -> tuple[pd.Series, pd.Series]:
    """The rows' customer ids (normalised) and the primary keys they refer to."""
    ids = chunk.text("customer_id", max_length=100, required=True)
    known = lookup_ids(conn, Customer.__table__, ids.dropna())  # type: ignore[arg-type]
    pks = ids.map(lambda e: known.get(e) if e else None)
    chunk.fail(
        ids.notna() & pks.isna(),
        "customer_id",
        _("no customer has this id; import the customers first"),
    )
    return ids, pks.astype(object).where(pks.notna(), None)


def _canonical(value: Any) -> str:
    """The text of a value for a content key: ``2``, ``2.0`` and ``2.00`` are one amount."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _keys(chunk: Chunk, id_field: str, kind: str, content: Sequence[pd.Series]) -> pd.Series:
    """The external id of each row: the file's id, else content hash + occurrence."""
    given = chunk.text(id_field, max_length=100)
    chunk.unique_ids(id_field, given, kind=kind)
    keys: list[str | None] = given.tolist()
    keyless = [i for i, k in enumerate(keys) if k is None]
    if not keyless:
        return given
    rows = zip(*(column.tolist() for column in content), strict=True)
    digests = [
        hashlib.sha1(
            "\x1f".join(_canonical(v) for v in values).encode(), usedforsecurity=False
        ).hexdigest()[:32]
        for i, values in enumerate(rows)
        if keys[i] is None
    ]
    # The occurrence number of each row among identical rows of the file so far.
    codes, first = first_positions(digests)
    halves = np.frombuffer(bytes.fromhex("".join(digests[i] for i in first)), dtype=">u8")
    hashes = (halves[0::2].astype(np.uint64), halves[1::2].astype(np.uint64))
    counts = chunk.state.occurrences
    _found, before = counts.get(hashes)
    within = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1
    occurrence = before[codes] + within
    counts.put(hashes, before + np.bincount(codes, minlength=len(first)))
    for i, digest, n in zip(keyless, digests, occurrence.tolist(), strict=True):
        keys[i] = f"auto:{digest}:{n}"
    return pd.Series(keys, index=given.index, dtype=object)


def _amount(chunk: Chunk, name: str, *, required: bool, negative_ok: bool) -> pd.Series:
    values = pd.Series(
        chunk.parsed(name, parse_amount, required=required), index=chunk.frame.index, dtype=object
    )
    too_big = values.map(lambda v: v is not None and abs(v) >= _MAX_AMOUNT)
    chunk.fail(too_big.astype(bool), name, _("too large"))
    if not negative_ok:
        below = values.map(lambda v: v is not None and v < 0).astype(bool)
        chunk.fail(below, name, _("must not be negative"))
    return values


def validate_purchases(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    state = chunk.state
    customer_ids, customers = _customers(chunk, conn)
    days = pd.Series(
        chunk.parsed("date", lambda t: parse_date(t, today=state.today), required=True),
        index=chunk.frame.index,
        dtype=object,
    )
    product = chunk.text("product", max_length=200, required=True)
    quantity = _amount(chunk, "quantity", required=False, negative_ok=False)
    quantity = quantity.where(quantity.notna(), Decimal(1))
    revenue = _amount(chunk, "revenue", required=True, negative_ok=True)
    cost = _amount(chunk, "cost", required=False, negative_ok=True)
    keys = _keys(
        chunk,
        "order_id",
        "purchase",
        [customer_ids, days, product, quantity, revenue, cost],
    )
    return pd.DataFrame(
        {
            "external_id": keys,
            "customer_id": customers,
            "purchased_on": days,
            "product": product,
            "quantity": quantity,
            "revenue": revenue,
            "cost": cost,
        },
        index=chunk.frame.index,
    )


def validate_touchpoints(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    state = chunk.state
    customer_ids, customers = _customers(chunk, conn)

    def moment(text: str) -> Any:
        return parse_datetime(text, now=state.now)

    occurred = pd.Series(
        chunk.parsed("occurred_at", moment, required=True), index=chunk.frame.index, dtype=object
    )
    stages = chunk.parsed("stage", read_stage, required=True)
    stage = pd.Series(
        [s.value if s else None for s in stages], index=chunk.frame.index, dtype=object
    )
    channel = chunk.text("channel", max_length=100)
    note = chunk.text("note", max_length=10_000)
    employee_ids = chunk.text("employee_id", max_length=100)
    employee_names = chunk.text("employee_name", max_length=200)
    teams = chunk.text("team", max_length=200)
    employee, team = resolve_staff(conn, employee_ids, employee_names, teams)
    keys = _keys(
        chunk,
        "touchpoint_id",
        "touchpoint",
        [
            customer_ids,
            occurred.map(lambda d: d.isoformat() if d else None),
            stage,
            channel,
            employee_ids.where(employee_ids.notna(), employee_names),
            note,
        ],
    )
    return pd.DataFrame(
        {
            "external_id": keys,
            "customer_id": customers,
            "occurred_at": occurred,
            "channel": channel,
            "stage": stage,
            "employee_id": employee,
            "team_id": team,
            "note": note,
        },
        index=chunk.frame.index,
    )
