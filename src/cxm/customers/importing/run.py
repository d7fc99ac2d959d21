"""Import the customer file from CSV/XLSX: customers, purchases, touchpoints.

Every import reads the file chunk by chunk (constant memory), validates each chunk,
collects *every* problem (row, column, value, reason) and writes valid chunks inside ONE
open transaction; if any problem was found the transaction is rolled back and
:class:`~cxm.errors.ValidationFailed` lists them, so nothing is ever half imported. Rows
are upserted by external id: re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

from cxm.customers.importing.checks import Chunk, ImportState
from cxm.customers.importing.columns import (
    CUSTOMER_FIELDS,
    PURCHASE_FIELDS,
    TOUCHPOINT_FIELDS,
    ColumnMap,
    FieldSpec,
    map_columns,
)
from cxm.customers.importing.customers import (
    CUSTOMER_COLUMNS,
    customer_update_columns,
    validate_customers,
)
from cxm.customers.importing.ids import stored_ids, written_cells
from cxm.customers.importing.purchases import (
    PURCHASE_COLUMNS,
    purchase_update_columns,
    validate_purchases,
)
from cxm.customers.importing.sql import UpsertWriter, count_rows
from cxm.customers.importing.touchpoints import (
    TOUCHPOINT_COLUMNS,
    touchpoint_update_columns,
    validate_touchpoints,
)
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.errors import InputError, ValidationFailed
from cxm.files import iter_chunks
from cxm.i18n import _
from cxm.store import Store, utcnow

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ImportResult",
    "Progress",
    "import_customers",
    "import_purchases",
    "import_touchpoints",
]

#: Rows validated and written at a time.
DEFAULT_CHUNK_ROWS = 20_000

#: ``progress(bytes_read, total_bytes)``, called after each chunk.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``unchanged`` rows matched the database already."""

    kind: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    warnings: tuple[str, ...] = ()
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class _Kind:
    name: str
    table: Table
    fields: Sequence[FieldSpec]
    columns: Sequence[str]
    validate: Callable[[Chunk, Connection], pd.DataFrame]
    update_columns: Callable[[ColumnMap], list[str]]
    attributes: bool = False


_CUSTOMERS = _Kind(
    "customers",
    Customer.__table__,  # type: ignore[arg-type]
    CUSTOMER_FIELDS,
    CUSTOMER_COLUMNS,
    validate_customers,
    customer_update_columns,
    attributes=True,
)
_PURCHASES = _Kind(
    "purchases",
    Purchase.__table__,  # type: ignore[arg-type]
    PURCHASE_FIELDS,
    PURCHASE_COLUMNS,
    validate_purchases,
    purchase_update_columns,
)
_TOUCHPOINTS = _Kind(
    "touchpoints",
    Touchpoint.__table__,  # type: ignore[arg-type]
    TOUCHPOINT_FIELDS,
    TOUCHPOINT_COLUMNS,
    validate_touchpoints,
    touchpoint_update_columns,
)


def _warnings(columns: ColumnMap, state: ImportState) -> list[str]:
    out = [
        _("Column {column!r} is not a known field and was ignored.", column=c)
        for c in columns.unknown
    ]
    if state.normalised_ids:
        out.append(
            _(
                "{n} ids were normalised (full-width characters or extra spaces removed).",
                n=state.normalised_ids,
            )
        )
    return out


def _run(
    kind: _Kind,
    store: Store,
    path: str | Path,
    *,
    dry_run: bool,
    progress: Progress | None,
    chunk_rows: int,
    sheet: str | int | None,
) -> ImportResult:
    name = Path(path).name
    state = ImportState()
    with iter_chunks(path, chunk_rows, sheet=sheet) as chunks:
        columns = map_columns(name, chunks.columns, kind.fields, allow_attributes=kind.attributes)
        with store.engine.connect() as conn:
            tx = conn.begin()
            try:
                before = state.rows_before = count_rows(conn, kind.table)
                writer = UpsertWriter(
                    conn, kind.table, kind.columns, kind.update_columns(columns), stamp=utcnow()
                )
                changed = 0
                for frame in chunks:
                    state.rows += len(frame)
                    chunk = Chunk(frame, columns, state)
                    rows = kind.validate(chunk, conn)
                    if not state.problem_count:
                        changed += writer.write(rows)
                    if progress is not None:
                        progress(chunks.bytes_read, chunks.total_bytes)
                if state.rows == 0:
                    raise InputError(_("{file} has a header but no data rows.", file=name))
                if state.problem_count:
                    state.resolve(
                        {
                            "file": lambda column, rows: written_cells(
                                path, column, rows, chunk_rows=chunk_rows, sheet=sheet
                            ),
                            "stored": lambda _name, keys: stored_ids(conn, kind.table, keys),
                        }
                    )
                    raise ValidationFailed(
                        _(
                            "{file}: {n} problems found; nothing was imported. "
                            "Fix them and import the file again.",
                            file=name,
                            n=state.problem_count,
                        ),
                        sorted(state.problems, key=lambda p: p.row or 0),
                    )
                inserted = count_rows(conn, kind.table) - before
            except BaseException:
                tx.rollback()
                raise
            if dry_run:
                tx.rollback()
            else:
                tx.commit()
    updated = max(changed - inserted, 0)
    return ImportResult(
        kind=kind.name,
        file=name,
        rows=state.rows,
        inserted=inserted,
        updated=updated,
        unchanged=state.rows - inserted - updated,
        warnings=tuple(_warnings(columns, state)),
        dry_run=dry_run,
    )


def import_customers(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
) -> ImportResult:
    """Import (upsert by customer id) a customers file; see the module notes.

    Raises
    ------
    InputError
        The file cannot be read, is empty, or lacks required columns.
    ValidationFailed
        Some rows are bad; ``problems`` lists every one; nothing was written.
    """
    return _run(
        _CUSTOMERS,
        store,
        path,
        dry_run=dry_run,
        progress=progress,
        chunk_rows=chunk_rows,
        sheet=sheet,
    )


def import_purchases(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
) -> ImportResult:
    """Import a purchases file; customers must exist. Without an order id column, each row
    is keyed by its content and its occurrence number, so re-import is still idempotent."""
    return _run(
        _PURCHASES,
        store,
        path,
        dry_run=dry_run,
        progress=progress,
        chunk_rows=chunk_rows,
        sheet=sheet,
    )


def import_touchpoints(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
) -> ImportResult:
    """Import a touchpoints file; customers must exist; missing teams and employees are
    created. Keyed like purchases when the file has no touchpoint id."""
    return _run(
        _TOUCHPOINTS,
        store,
        path,
        dry_run=dry_run,
        progress=progress,
        chunk_rows=chunk_rows,
        sheet=sheet,
    )
