"""The store's one bulk writer: column-wise rows into a table, fast on both databases.

PostgreSQL: ``COPY … FROM STDIN`` in the connection's transaction. SQLite: the insert
compiled once, SQLAlchemy's bind processors applied column by column, then the driver's
``executemany`` of plain tuples in batches. Used by the demo and by ``cxm compute``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    any_,
    insert,
    literal,
)
from sqlalchemy.types import ARRAY

__all__ = ["BATCH_ROWS", "ids_in", "insert_rows", "texts_in"]

#: Rows per executemany call or COPY (also the granularity of the progress bar).
BATCH_ROWS = 10_000


def ids_in(dialect: str, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids``: ``= ANY(:array)`` on PostgreSQL, one parameter, so the
    statement's text is the same for any number of ids (psycopg parses a statement of more
    than 50 parameters anew at every call, which cost more CPU than running it);
    ``IN (…)`` elsewhere (keep ``ids`` under SQLite's 32,766 parameters)."""
    if dialect == "postgresql":
        return column == any_(literal([int(i) for i in ids], ARRAY(Integer)))  # type: ignore[no-any-return]
    return column.in_(list(ids))  # type: ignore[no-any-return]


def texts_in(dialect: str, column: Any, texts: Sequence[str]) -> ColumnElement[bool]:
    """:func:`ids_in` for text values."""
    if dialect == "postgresql":
        return column == any_(literal([str(t) for t in texts], ARRAY(String)))  # type: ignore[no-any-return]
    return column.in_(list(texts))  # type: ignore[no-any-return]


def insert_rows(
    conn: Connection,
    table: Table,
    columns: dict[str, Sequence[Any]],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Insert column-wise data as rows, in batches; returns the number of rows."""
    keys = list(columns)
    values = [list(v) for v in columns.values()]
    n = len(values[0]) if values else 0
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, keys, values, on_batch)
        return n
    # SQLAlchemy's own bind processors (dates, JSON…) applied column-wise, then the
    # driver's executemany with plain tuples: the same stored values, far less overhead.
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup or [])
    if sorted(order) != sorted(keys):  # a column default we do not fill: the plain way
        for lo in range(0, n, BATCH_ROWS):
            hi = min(lo + BATCH_ROWS, n)
            chunk = zip(*(v[lo:hi] for v in values), strict=True)
            conn.execute(insert(table), [dict(zip(keys, r, strict=True)) for r in chunk])
            if on_batch is not None:
                on_batch(hi - lo)
        return n
    for k, key in enumerate(keys):
        process = table.c[key].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if process is None:
            continue
        col = values[k]
        if col and col[0] is not None and all(v is col[0] for v in col):
            values[k] = [process(col[0])] * len(col)  # a stamp shared by every row
        else:
            values[k] = [None if v is None else process(v) for v in col]
    ordered = [values[keys.index(name)] for name in order]
    for lo in range(0, n, BATCH_ROWS):
        hi = min(lo + BATCH_ROWS, n)
        rows = list(zip(*(v[lo:hi] for v in ordered), strict=True))
        conn.exec_driver_sql(str(compiled), rows)
        if on_batch is not None:
            on_batch(hi - lo)
    return n


def _copy_rows(
    conn: Connection,
    table: Table,
    keys: list[str],
    values: list[list[Any]],
    on_batch: Callable[[int], None] | None,
) -> None:
    """PostgreSQL: stream the rows with COPY (several times faster than executemany),
    inside the connection's transaction."""
    for k, key in enumerate(keys):
        if isinstance(table.c[key].type, JSON):
            values[k] = [
                None if v is None else json.dumps(v, ensure_ascii=False) for v in values[k]
            ]
    n = len(values[0]) if values else 0
    cols = ", ".join(f'"{k}"' for k in keys)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        for lo in range(0, n, BATCH_ROWS):
            hi = min(lo + BATCH_ROWS, n)
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in zip(*(v[lo:hi] for v in values), strict=True):
                    copy.write_row(row)
            if on_batch is not None:
                on_batch(hi - lo)
