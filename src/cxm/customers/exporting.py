"""Export the customer file to CSV (UTF-8 with BOM, for Excel) or XLSX, streamed.

Columns use the import's field names, and each attribute key becomes an ``attr:<key>``
column, so an exported file imports back unchanged. Cells are formula-injection safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, func, select

from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.files import write_csv, write_xlsx
from cxm.i18n import _
from cxm.store import Store

__all__ = ["EXPORT_COLUMNS", "XLSX_MAX_ROWS", "export_customers"]

EXPORT_COLUMNS = (
    "customer_id",
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
)
#: Data rows an XLSX sheet holds (1,048,576 rows less the header).
XLSX_MAX_ROWS = 1_048_575
_STREAM_ROWS = 5_000
_TABLE = cast(Table, Customer.__table__)


def _attribute_keys(conn: Connection) -> list[str]:
    keys: dict[str, None] = {}
    result = conn.execution_options(yield_per=_STREAM_ROWS).execute(
        select(_TABLE.c.attributes).order_by(_TABLE.c.id)
    )
    for (attributes,) in result:
        for key in attributes or {}:
            keys.setdefault(str(key), None)
    return list(keys)


def _rows(conn: Connection, keys: list[str]) -> Iterator[list[Any]]:
    t = _TABLE
    columns = [t.c.external_id, *(t.c[c] for c in EXPORT_COLUMNS[1:]), t.c.attributes]
    result = conn.execution_options(yield_per=_STREAM_ROWS).execute(
        select(*columns).order_by(t.c.id)
    )
    for row in result:
        values = list(row)
        attributes = values.pop() or {}
        values = [getattr(v, "value", v) for v in values]  # enums as their codes
        values.extend(_attr_text(attributes.get(k)) for k in keys)
        yield values


def _attr_text(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)


def export_customers(
    store: Store, path: str | Path, *, file_format: Literal["csv", "xlsx"] = "csv"
) -> int:
    """Write every customer to ``path``; returns the number of customers written."""
    with store.engine.connect() as conn:
        if file_format == "xlsx":
            n = int(conn.execute(select(func.count()).select_from(_TABLE)).scalar_one())
            if n > XLSX_MAX_ROWS:
                raise InputError(
                    _(
                        "{n} customers do not fit in one XLSX sheet ({max} rows); "
                        "export as CSV instead.",
                        n=n,
                        max=XLSX_MAX_ROWS,
                    )
                )
        keys = _attribute_keys(conn)
        header = [*EXPORT_COLUMNS, *(f"attr:{k}" for k in keys)]
        rows = _rows(conn, keys)
        if file_format == "xlsx":
            return write_xlsx(path, header, rows, sheet_title="customers")
        return write_csv(path, header, rows)
