"""What purchases, touchpoints and order lines share: the customer each row belongs to,
a row's key, amounts.

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

from cxm.customers.importing.checks import Chunk
from cxm.customers.importing.ids import first_positions
from cxm.customers.importing.sql import lookup_ids
from cxm.customers.models import Customer
from cxm.i18n import _

__all__ = ["MAX_AMOUNT", "amounts", "canonical", "customer_keys", "row_keys"]

#: Largest amount a Numeric(14, 2) column holds.
MAX_AMOUNT = Decimal("1e12")


#: Customer ids whose primary key an import remembers across chunks (bounded memory).
MAX_KNOWN_CUSTOMERS = 1_000_000


def customer_keys(
    chunk: Chunk, conn: Connection, known: dict[str, int] | None = None
) -> tuple[pd.Series, pd.Series]:
    """The rows' customer ids (normalised) and the primary keys they refer to; ``known``
    (id → primary key, kept by the caller across chunks) saves looking an id up again."""
    ids = chunk.text("customer_id", max_length=100, required=True)
    if known is None:
        known = {}
    elif len(known) > MAX_KNOWN_CUSTOMERS:
        known.clear()
    codes, uniques = pd.factorize(ids.to_numpy(dtype=object))  # empty ids: code -1
    distinct: list[str] = uniques.tolist()
    new = [i for i in distinct if i not in known]
    if new:
        known.update(lookup_ids(conn, Customer.__table__, new))  # type: ignore[arg-type]
    found = [known.get(i) for i in distinct]
    unknown = [code for code, pk in enumerate(found) if pk is None]
    found.append(None)
    pks = pd.Series(
        np.array(found, dtype=object).take(codes), index=ids.index, dtype=object, copy=False
    )
    if unknown:  # rows with an id that no customer has (by code: no per-row null test)
        chunk.fail(
            pd.Series(np.isin(codes, unknown), index=ids.index),
            "customer_id",
            _("no customer has this id; import the customers first"),
        )
    return ids, pks


def canonical(value: Any) -> str:
    """The text of a value for a content key: ``2``, ``2.0`` and ``2.00`` are one amount."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def row_keys(chunk: Chunk, id_field: str, kind: str, content: Sequence[pd.Series]) -> pd.Series:
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
            "\x1f".join(canonical(v) for v in values).encode(), usedforsecurity=False
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


def amounts(chunk: Chunk, name: str, *, required: bool, negative_ok: bool) -> pd.Series:
    values = pd.Series(chunk.amount(name, required=required), index=chunk.frame.index, dtype=object)
    too_big = values.map(lambda v: v is not None and abs(v) >= MAX_AMOUNT)
    chunk.fail(too_big.astype(bool), name, _("too large"))
    if not negative_ok:
        below = values.map(lambda v: v is not None and v < 0).astype(bool)
        chunk.fail(below, name, _("must not be negative"))
    return values
