"""The SQL side of imports: one upsert per table, written in bulk, and id look-ups.

The upsert is ``INSERT … ON CONFLICT (external_id) DO UPDATE SET <columns in the file>
WHERE <some column IS DISTINCT FROM the new value>``, so a row whose values did not change
is not touched (its ``updated_at`` stays) and re-importing a file changes nothing.

On SQLite the statement is compiled once and run with the driver's ``executemany`` on
tuples converted column by column (SQLAlchemy's per-value bind processing would cost more
than the insert itself); on PostgreSQL rows are streamed with ``COPY`` into a temporary
table and upserted from there in one statement per chunk. The COPY itself is the store's
bulk writer's (:mod:`cxm.store.bulk`); the values are converted here, as imports have always
stored them (times turned to UTC first, dates memoised), not by SQLAlchemy's bind processors.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    MetaData,
    Numeric,
    Table,
    bindparam,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import ColumnElement

from cxm.store.bulk import copy_rows, copy_sql, copy_text

__all__ = ["LOOKUP_BATCH", "UpsertWriter", "count_rows", "external_ids", "lookup_ids"]

#: How COPY CSV text marks a NULL (an empty field is an empty text).
_CSV_NULL = "\\N"

#: Ids per ``IN (…)`` look-up (well under SQLite's bound-parameter limit).
LOOKUP_BATCH = 900


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def lookup_ids(
    conn: Connection, table: Table, external_ids: Iterable[str], *, key: str = "external_id"
) -> dict[str, int]:
    """``{external_id: id}`` for those of ``external_ids`` that exist in ``table``."""
    wanted = sorted({e for e in external_ids if e})
    found: dict[str, int] = {}
    column = table.c[key]
    for start in range(0, len(wanted), LOOKUP_BATCH):
        batch = wanted[start : start + LOOKUP_BATCH]
        for ext, pk in conn.execute(select(column, table.c.id).where(column.in_(batch))):
            found[str(ext)] = int(pk)
    return found


def external_ids(conn: Connection, table: Table, *, batch: int = 50_000) -> Iterator[list[str]]:
    """Every stored ``external_id`` of ``table``, in lists of up to ``batch``, read on the
    driver's cursor inside ``conn``'s transaction (server-side on PostgreSQL): SQLAlchemy's
    streamed rows cost five times more than the scan itself."""
    sql = str(select(table.c.external_id).compile(dialect=conn.dialect))
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor(name="cxm_external_ids") if conn.dialect.name != "sqlite" else None
    cursor = cursor or driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield [str(e) for (e,) in rows]
    finally:
        cursor.close()


def _json_object(value: Any) -> str:
    """A JSON object column (attributes): ``None`` and empty are ``{}``, never null."""
    return json.dumps(value) if value else "{}"


def _converter(column_type: Any, dialect: str) -> Callable[[Any], Any] | None:
    """How a value of this type is handed to the driver (``None``: as it is)."""
    if dialect != "sqlite":
        if isinstance(column_type, JSON):
            return _json_object
        return None
    if isinstance(column_type, DateTime):
        return lambda v: None if v is None else v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(column_type, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(column_type, JSON):
        return _json_object
    if isinstance(column_type, Numeric):
        return lambda v: None if v is None else float(v)
    return None


class UpsertWriter:
    """Writes DataFrames of rows into ``table`` by external id, inside ``conn``'s
    transaction; :meth:`write` returns how many rows were inserted or changed.

    SQLite: the upsert is compiled once and run by the driver's ``executemany``.
    PostgreSQL: each chunk is streamed with ``COPY`` into a temporary table (dropped at the
    end of the transaction) and upserted from it by one ``INSERT … SELECT``.
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        update: Sequence[str],
        *,
        stamp: datetime,
    ) -> None:
        self.conn = conn
        self.table = table
        self.columns = [*columns, "created_at", "updated_at"]
        self.stamp = stamp
        self.dialect = conn.dialect.name
        self.converters = {
            c: f for c in self.columns if (f := _converter(table.c[c].type, self.dialect))
        }
        self.memoised = {c for c in self.converters if isinstance(table.c[c].type, Date | DateTime)}
        self.numeric = {c for c in self.converters if isinstance(table.c[c].type, Numeric)}
        if self.dialect == "sqlite":
            ins: Any = sqlite.insert(table).values({c: bindparam(c) for c in self.columns})
            self.sql = str(self._upsert(ins, update).compile(dialect=conn.dialect))
        else:
            self.staging = Table(
                f"cxm_import_{table.name}",
                MetaData(),
                *(Column(c, table.c[c].type) for c in self.columns),
                prefixes=["TEMPORARY"],
                postgresql_on_commit="DROP",
            )
            self.staging.create(conn)
            self.copy_sql = copy_sql(self.staging.name, self.columns)
            self.copy_csv_sql = copy_sql(self.staging.name, self.columns, csv_null=_CSV_NULL)
            ins = postgresql.insert(table).from_select(self.columns, select(*self.staging.c))
            self.upsert_sql = str(self._upsert(ins, update).compile(dialect=conn.dialect))
            self.clear_sql = str(delete(self.staging).compile(dialect=conn.dialect))

    def _upsert(self, ins: Any, update: Sequence[str]) -> Any:
        t = self.table
        new = ins.excluded
        sets: dict[str, Any] = {}
        changed: list[ColumnElement[bool]] = []
        for name in update:
            value: Any = new[name]
            if name == "attributes":  # merge the file's keys into what is there
                if self.dialect == "sqlite":
                    value = func.json_patch(t.c.attributes, new.attributes)
                    changed.append(func.json(t.c.attributes).is_distinct_from(value))
                else:
                    value = t.c.attributes.op("||", return_type=JSONB())(new.attributes)
                    changed.append(t.c.attributes.is_distinct_from(value))
            else:
                changed.append(t.c[name].is_distinct_from(new[name]))
            sets[name] = value
        if not sets:
            return ins.on_conflict_do_nothing(index_elements=["external_id"])
        sets["updated_at"] = new.updated_at
        return ins.on_conflict_do_update(
            index_elements=["external_id"], set_=sets, where=or_(*changed)
        )

    def _tuples(self, rows: pd.DataFrame) -> list[tuple[Any, ...]]:
        values = []
        for name in self.columns[:-2]:
            column = rows[name].tolist()
            convert = self.converters.get(name)
            if convert is None:
                values.append(column)
            elif name in self.memoised:  # dates repeat: convert each distinct one once
                memo = {v: convert(v) for v in set(column)}
                values.append([memo[v] for v in column])
            elif name in self.numeric and not rows[name].isna().any():  # the common case
                values.append(list(map(float, column)))
            else:
                values.append([convert(v) for v in column])
        stamp = (
            self.converters["created_at"](self.stamp)
            if "created_at" in self.converters
            else self.stamp
        )
        stamps = [stamp] * len(rows)
        return list(zip(*values, stamps, stamps, strict=True))

    def _csv(self, rows: pd.DataFrame) -> str | None:
        """The rows as COPY CSV text (``None`` marked ``\\N``, so an empty text stays
        empty), or ``None`` when a text cell is ``\\N`` itself (then rows go one by one)."""
        out = pd.DataFrame(index=rows.index)
        for name in self.columns[:-2]:
            column = rows[name]
            if column.dtype == object and bool((column.to_numpy() == _CSV_NULL).any()):
                return None
            convert = self.converters.get(name)
            out[name] = column if convert is None else column.map(convert)
        stamp = self.stamp.isoformat()
        out["created_at"] = stamp
        out["updated_at"] = stamp
        buffer = io.StringIO()
        out.to_csv(buffer, index=False, header=False, na_rep=_CSV_NULL, quoting=csv.QUOTE_MINIMAL)
        return buffer.getvalue()

    def write(self, rows: pd.DataFrame) -> int:
        """Upsert ``rows`` (one column per name in ``columns``); rows changed or added."""
        if rows.empty:
            return 0
        if self.dialect == "sqlite":
            result = self.conn.exec_driver_sql(self.sql, self._tuples(rows))
            return max(int(result.rowcount), 0)
        # The raw cursor: SQLAlchemy reports no rowcount for INSERT … SELECT.
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.clear_sql)
        text = self._csv(rows)
        if text is not None:  # the chunk as one CSV text, formatted in C by pandas
            copy_text(cursor, self.copy_csv_sql, text)
        else:
            copy_rows(cursor, self.copy_sql, self._tuples(rows))
        cursor.execute(self.upsert_sql)
        return max(int(cursor.rowcount), 0)
