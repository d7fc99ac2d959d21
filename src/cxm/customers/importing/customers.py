"""Validate one chunk of a customers file into rows for the ``customers`` table."""

from __future__ import annotations

import re
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table

from cxm.customers.codes import CustomerStatus
from cxm.customers.importing.checks import Chunk
from cxm.customers.importing.codes import read_churn_reason, read_status
from cxm.customers.importing.columns import ColumnMap
from cxm.customers.importing.ids import (
    HashRuns,
    first_positions,
    key_hashes,
    single_hash,
    texts,
)
from cxm.customers.importing.sql import external_ids
from cxm.customers.models import Customer
from cxm.files.parsing import EMAIL_PATTERN, is_valid_email
from cxm.i18n import _

__all__ = ["CUSTOMER_COLUMNS", "customer_update_columns", "validate_customers"]

#: Columns of ``customers`` an import writes, in order.
CUSTOMER_COLUMNS = (
    "external_id",
    "name",
    "phone",
    "email",
    "region",
    "channel",
    "acquired_on",
    "status",
    "churned_on",
    "churn_reason",
    "churn_note",
    "attributes",
)
_TABLE = cast(Table, Customer.__table__)
_PHONE_PATTERN = r"(?=(?:[^\d\x00]*\d){3})\+?[\d(][\d ()\-./]*(?:\s*(?:ext|x|转|分机)\.?\s*\d+)?"
_PHONE = re.compile(_PHONE_PATTERN)


def _is_phone(text: str) -> bool:
    return bool(_PHONE.fullmatch(text))


def customer_update_columns(columns: ColumnMap) -> list[str]:
    """Columns an import may change on an existing customer: only those in the file."""
    out = [c for c in CUSTOMER_COLUMNS[1:-1] if columns.has(c)]
    if "status" not in out and (columns.has("churned_on") or columns.has("churn_reason")):
        out.append("status")
    if columns.attributes:
        out.append("attributes")
    return out


def _stored_keys(conn: Connection) -> HashRuns:
    """Hash of each stored case-folded customer id → hash of the first stored id with that
    key as written, read in batches."""
    keys = HashRuns()
    for batch in external_ids(conn, _TABLE):
        stored = texts(batch)
        folded = texts([e.casefold() for e in batch])
        _codes, first = first_positions(folded)
        hashes = key_hashes(folded[first])
        found, _written = keys.get(hashes)
        new = ~found
        keys.add((hashes[0][new], hashes[1][new]), single_hash(stored[first[new]]))
    return keys


def _stored_case_twins(chunk: Chunk, conn: Connection, ids: pd.Series) -> None:
    """Report ids that match a stored customer's id only once case is ignored."""
    state = chunk.state
    if not state.rows_before:
        return
    if state.stored_keys is None:
        state.stored_keys = _stored_keys(conn)
    distinct = ids.dropna().unique().tolist()
    if not distinct:
        return
    folded = [i.casefold() for i in distinct]
    found, stored_as = state.stored_keys.get(key_hashes(folded))
    twin = found & (stored_as != single_hash(distinct))
    if not twin.any():
        return
    twins = {distinct[i]: folded[i] for i in np.flatnonzero(twin).tolist()}
    mask = ids.isin(list(twins))
    raw, header = chunk.raw("customer_id"), chunk.header("customer_id")
    for row in mask.index[mask.to_numpy()].tolist():
        state.defer(
            int(row),
            header,
            raw.at[row],  # noqa: PD008 - one cell: .at is pandas' scalar accessor
            source=("stored", ""),
            ref=twins[ids.at[row]],  # noqa: PD008 - one cell
            reason=_stored_twin_reason,
        )
    chunk.bad |= mask


def _stored_twin_reason(stored: str | None) -> str:
    return _(
        "the database already has customer {stored!r}, the same id in another case; "
        "write it exactly as stored",
        stored=stored or "",
    )


def validate_customers(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    """The chunk as rows for ``customers`` (columns :data:`CUSTOMER_COLUMNS`)."""
    ids = chunk.text("customer_id", max_length=100, required=True)
    chunk.unique_ids("customer_id", ids, kind="customer")
    _stored_case_twins(chunk, conn, ids)
    out = pd.DataFrame({"external_id": ids}, index=chunk.frame.index)
    out["name"] = chunk.text("name", max_length=200)
    phone = chunk.text("phone", max_length=50)
    chunk.check(phone, "phone", _is_phone, _("not a phone number"), pattern=_PHONE_PATTERN)
    out["phone"] = phone
    email = chunk.text("email", max_length=254)
    chunk.check(email, "email", is_valid_email, _("not an e-mail address"), pattern=EMAIL_PATTERN)
    out["email"] = email
    out["region"] = chunk.text("region", max_length=100)
    out["channel"] = chunk.text("channel", max_length=100)

    acquired = chunk.dates("acquired_on").tolist()
    churned = chunk.dates("churned_on").tolist()
    out["acquired_on"] = pd.Series(acquired, index=out.index, dtype=object)
    out["churned_on"] = pd.Series(churned, index=out.index, dtype=object)
    before = pd.Series(
        [bool(a and c and c < a) for a, c in zip(acquired, churned, strict=True)], index=out.index
    )
    chunk.fail(before, "churned_on", _("the churn date is before the acquisition date"))

    reasons = chunk.parsed("churn_reason", read_churn_reason)
    out["churn_reason"] = pd.Series([r.value if r else None for r in reasons], index=out.index)
    out["churn_note"] = chunk.text("churn_note", max_length=10_000)
    statuses = chunk.parsed("status", read_status)
    has_churn = out["churned_on"].notna() | out["churn_reason"].notna()
    written = pd.Series([s.value if s else None for s in statuses], index=out.index, dtype=object)
    contradiction = (written == CustomerStatus.ACTIVE.value) & has_churn
    chunk.fail(
        contradiction,
        "status",
        _("the status is active but a churn date or churn reason is given"),
    )
    inferred = has_churn.map({True: CustomerStatus.CHURNED.value, False: "active"})
    out["status"] = written.where(written.notna(), inferred)
    out["attributes"] = _attributes(chunk)
    return out


def _attributes(chunk: Chunk) -> pd.Series:
    """Each row's ``attr:`` values; ``None`` (stored as ``{}``) when the file has none."""
    index = chunk.frame.index
    if not chunk.columns.attributes:
        return pd.Series([None] * len(index), index=index, dtype=object)
    columns = {
        name: chunk.frame[header].astype(str).str.strip()
        for name, header in chunk.columns.attributes.items()
    }
    rows: list[dict[str, str]] = [{} for _row in index]
    for name, values in columns.items():
        for i, value in enumerate(values):
            if value:
                rows[i][name] = value
    return pd.Series(rows, index=index, dtype=object)
