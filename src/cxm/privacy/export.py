"""Everything held about one customer, as one JSON document (or a ZIP holding it)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from cxm import __version__
from cxm.crypto import DataKey
from cxm.customers.models import Customer
from cxm.jsonable import to_jsonable
from cxm.privacy.log import log_action
from cxm.privacy.models import IdentityNumber
from cxm.privacy.numbers import read_numbers
from cxm.privacy.subject import find_customer, held_rows
from cxm.store.base import utcnow

__all__ = ["export_customer", "write_export_zip"]


def export_customer(
    session: Session, *, reference: str, done_by: str, key: DataKey | None
) -> dict[str, Any]:
    """A JSON-able document of every row about the customer, and a log entry saying so.
    Identity numbers are decrypted when the key is available (the person is entitled to
    them), masked to their last four characters otherwise."""
    customer = find_customer(session, reference)
    mapper = inspect(Customer)
    record = {c.key: getattr(customer, c.key) for c in mapper.column_attrs}
    tables: dict[str, list[dict[str, Any]]] = {}
    for held, rows in held_rows(session, customer.id):
        if held.table.name == IdentityNumber.__tablename__:
            continue  # ciphertexts mean nothing to the person: the numbers come below
        tables[held.table.name] = rows
    document = {
        "format": "cxm.personal-data.v1",
        "generated_at": utcnow(),
        "cxm_version": __version__,
        "customer": record,
        "identity_numbers": read_numbers(session, key=key, customer_id=customer.id),
        "tables": tables,
    }
    log_action(
        session,
        action="export",
        customer_id=customer.id,
        done_by=done_by,
        report={"rows": {name: len(rows) for name, rows in tables.items()}},
    )
    out: dict[str, Any] = to_jsonable(document)
    return out


def write_export_zip(document: dict[str, Any], out: Path) -> Path:
    """``customer.json`` inside a ZIP at ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("customer.json", json.dumps(document, ensure_ascii=False, indent=2))
    return out
