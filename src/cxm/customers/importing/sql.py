"""The SQL side of imports: one upsert per table, written in bulk, and id look-ups.

The upsert is ``INSERT … ON CONFLICT (external_id) DO UPDATE SET <columns in the file>
WHERE <some column IS DISTINCT FROM the new value>``, so a row whose values did not change
is not touched (its ``updated_at`` stays) and re-importing a file changes nothing.

On SQLite the statement is compiled once and run with the driver's ``executemany`` on
tuples converted column by column (SQLAlchemy's per-value bind processing would cost more
than the insert itself); on PostgreSQL rows are streamed with ``COPY`` into a temporary
table and upserted from there in one statement per chunk — only the rows that are new or
change a column, found by a join that only reads (a re-import of unchanged rows then locks
and writes nothing). Into a table that was empty when
the import began (``fresh``), rows are only inserted: ``COPY`` straight into the table, or
a plain ``INSERT`` on SQLite.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import numpy as np
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
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import ColumnElement

from cxm.store.bulk import copy_sql, copy_text

__all__ = ["LOOKUP_BATCH", "UpsertWriter", "count_rows", "external_ids", "lookup_ids"]

#: How COPY's text format marks a NULL (an empty field is an empty text).
_COPY_NULL = "\\N"
_COPY_SPECIAL = ("\\", "\t", "\n", "\r")


def _copy_escape(text: str) -> str:
    """``text`` as a field of COPY's text format (backslash, tab, newline, CR escaped)."""
    if not any(c in text for c in _COPY_SPECIAL):
        return text
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


#: Rows per SQLite upsert statement (within the driver's limit of bound parameters).
_SQLITE_BATCH_ROWS = 2000

#: Ids per ``IN (…)`` look-up (well under SQLite's bound-parameter limit).
LOOKUP_BATCH = 900


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def lookup_ids(
    conn: Connection, table: Table, external_ids: Iterable[str], *, key: str = "external_id"
) -> dict[str, int]:
    """``{external_id: id}`` for those of ``external_ids`` that exist in ``table``: on the
    driver's cursor (compiling an ``IN`` of 900 parameters in SQLAlchemy cost more than
    running it), one ``= ANY`` query on PostgreSQL, batches of ``IN`` on SQLite."""
    wanted = sorted({e for e in external_ids if e})
    found: dict[str, int] = {}
    if not wanted:
        return found
    quote = conn.dialect.identifier_preparer.quote
    column, pk, name = quote(key), quote(table.c.id.name), quote(table.name)
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            sql = f"SELECT {column}, {pk} FROM {name} WHERE {column} = ANY(%s)"  # noqa: S608 - names from our metadata, values bound
            cursor.execute(sql, (wanted,))
            found.update((str(ext), int(i)) for ext, i in cursor.fetchall())
            return found
        for start in range(0, len(wanted), LOOKUP_BATCH):
            batch = wanted[start : start + LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            sql = f"SELECT {column}, {pk} FROM {name} WHERE {column} IN ({marks})"  # noqa: S608 - names from our metadata, values bound
            cursor.execute(sql, batch)
            found.update((str(ext), int(i)) for ext, i in cursor.fetchall())
    finally:
        cursor.close()
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

    With ``fresh`` (the table was empty when the import's transaction began and the file's
    keys were checked unique) rows are only inserted, never compared: COPY straight into
    the table on PostgreSQL (the staging table's second write and the upsert's conflict
    handling cost half the server's time), a plain ``INSERT`` on SQLite. A key met twice
    all the same (another import filling the table meanwhile) fails on the unique index,
    and the import's transaction is rolled back.

    :meth:`write` may run on another thread than the one that validates the next chunk
    (:class:`~cxm.customers.importing.pipeline.BackgroundWrites`): each statement is run
    holding ``lock``, which whoever else uses the connection meanwhile holds too.
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        update: Sequence[str],
        *,
        stamp: datetime,
        lock: threading.Lock | None = None,
        fresh: bool = False,
    ) -> None:
        self.conn = conn
        self.fresh = fresh
        self.lock = lock or threading.Lock()
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
            self.sql = str(
                (ins if fresh else self._upsert(ins, update)).compile(dialect=conn.dialect)
            )
            self.sqlite_statements: dict[int, str] = {}
            driver: Any = conn.connection.driver_connection
            self.max_variables = int(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        elif fresh:
            self.copy_sql = copy_sql(table.name, self.columns)
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
            ins = postgresql.insert(table).from_select(self.columns, self._new_or_changed(update))
            self.upsert_sql = str(self._upsert(ins, update).compile(dialect=conn.dialect))
            # TRUNCATE, not DELETE: the deleted rows of every chunk before would stay in the
            # table until the transaction ends, and each upsert would scan them again.
            self.clear_sql = f'TRUNCATE "{self.staging.name}"'

    def _merged(self, name: str, new: Any) -> Any:
        """The value column ``name`` takes from ``new``: the file's value, or for
        ``attributes`` the file's keys merged into what is there."""
        t = self.table
        if name != "attributes":
            return new[name]
        if self.dialect == "sqlite":
            return func.json_patch(t.c.attributes, new.attributes)
        return t.c.attributes.op("||", return_type=JSONB())(new.attributes)

    def _differs(self, name: str, new: Any) -> ColumnElement[bool]:
        """Whether column ``name`` would change when it takes its value from ``new``."""
        t = self.table
        if name == "attributes" and self.dialect == "sqlite":
            return func.json(t.c.attributes).is_distinct_from(self._merged(name, new))
        return t.c[name].is_distinct_from(self._merged(name, new))

    def _new_or_changed(self, update: Sequence[str]) -> Any:
        """PostgreSQL: the staged rows that are new or would change a column, by one join
        with the table (reading only). ``ON CONFLICT DO UPDATE … WHERE`` locks each
        conflicting row even where its ``WHERE`` then finds nothing to change: re-importing
        a million unchanged order lines wrote a million row locks (8 server-seconds); now the
        unchanged rows never reach the insert. A row another import adds meanwhile still
        meets the ``ON CONFLICT`` clause."""
        staged, t = self.staging.c, self.table
        joined = self.staging.outerjoin(t, t.c.external_id == staged.external_id)
        keep = or_(t.c.external_id.is_(None), *(self._differs(n, staged) for n in update))
        return select(*staged).select_from(joined).where(keep)

    def _upsert(self, ins: Any, update: Sequence[str]) -> Any:
        new = ins.excluded
        sets: dict[str, Any] = {name: self._merged(name, new) for name in update}
        changed = [self._differs(name, new) for name in update]
        if not sets:
            return ins.on_conflict_do_nothing(index_elements=["external_id"])
        sets["updated_at"] = new.updated_at
        return ins.on_conflict_do_update(
            index_elements=["external_id"], set_=sets, where=or_(*changed)
        )

    def _columns(self, rows: pd.DataFrame) -> list[list[Any]]:
        """The rows' values column by column, as the driver takes them (stamps last)."""
        values = []
        for name in self.columns[:-2]:
            convert = self.converters.get(name)
            if convert is None:
                values.append(rows[name].tolist())
                continue
            if name not in self.memoised and name not in self.numeric:  # JSON: unhashable
                values.append([convert(v) for v in rows[name].tolist()])
                continue
            # Dates and amounts repeat: convert each distinct value once and take the
            # results by code (a missing value's code is -1, which takes the last: None).
            codes, uniques = pd.factorize(rows[name].to_numpy(dtype=object))
            converted = [convert(v) for v in uniques.tolist()]
            converted.append(None)
            values.append(np.array(converted, dtype=object).take(codes).tolist())
        stamp = (
            self.converters["created_at"](self.stamp)
            if "created_at" in self.converters
            else self.stamp
        )
        stamps = [stamp] * len(rows)
        return [*values, stamps, stamps]

    def _sqlite_write(self, rows: pd.DataFrame) -> int:
        """Upsert in statements of many rows (``VALUES (…), (…), …``): a fifth less work
        in SQLite than one statement per row; a batch's parameters are the columns' slices
        interleaved by ``zip`` and ``chain`` in C (a third less than a 2-D object array)."""
        columns = self._columns(rows)
        driver: Any = self.conn.connection.driver_connection
        batch = max(1, min(_SQLITE_BATCH_ROWS, self.max_variables // len(columns)))
        changed = 0
        cursor = driver.cursor()
        try:
            for start in range(0, len(rows), batch):
                stop = min(start + batch, len(rows))
                part = (c[start:stop] for c in columns)
                params = list(chain.from_iterable(zip(*part, strict=True)))
                sql = self._sqlite_sql(stop - start)
                with self.lock:
                    cursor.execute(sql, params)
                    changed += max(int(cursor.rowcount), 0)
        finally:
            cursor.close()
        return changed

    def _sqlite_sql(self, n: int) -> str:
        sql = self.sqlite_statements.get(n)
        if sql is None:
            head, tail = self.sql.split(" VALUES ", 1)
            one, rest = tail.split(")", 1)
            sql = f"{head} VALUES {', '.join([one + ')'] * n)}{rest}"
            self.sqlite_statements[n] = sql
        return sql

    def _copy_text(self, rows: pd.DataFrame) -> str:
        """The rows as COPY text (tab-separated, ``\\N`` for NULL, backslash escapes):
        each distinct value of a column is formatted once, and the lines are joined in C
        (five to ten times cheaper than ``DataFrame.to_csv`` on object columns)."""
        columns: list[list[str]] = []
        for name in self.columns[:-2]:
            values = rows[name].to_numpy(dtype=object)
            convert = self.converters.get(name)
            if convert is not None:  # JSON: unhashable, and never null
                values = np.array([convert(v) for v in values.tolist()], dtype=object)
            codes, uniques = pd.factorize(values)  # a missing value's code is -1
            texts = [str(v) for v in uniques.tolist()]
            joined = "".join(texts)  # one test for the whole column (C speed), not per value
            if any(c in joined for c in _COPY_SPECIAL):
                texts = [_copy_escape(t) for t in texts]
            texts.append(_COPY_NULL)
            columns.append(np.array(texts, dtype=object).take(codes).tolist())
        stamp = [_copy_escape(self.stamp.isoformat())] * len(rows)
        lines = "\n".join(map("\t".join, zip(*columns, stamp, stamp, strict=True)))
        return lines + "\n"

    def write(self, rows: pd.DataFrame) -> int:
        """Upsert ``rows`` (one column per name in ``columns``); rows changed or added."""
        if rows.empty:
            return 0
        if self.dialect == "sqlite":
            return self._sqlite_write(rows)
        text = self._copy_text(rows)
        if self.fresh:
            driver: Any = self.conn.connection.driver_connection
            with self.lock, driver.cursor() as cursor:
                copy_text(cursor, self.copy_sql, text)
            return len(rows)
        with self.lock:
            # The raw cursor: SQLAlchemy reports no rowcount for INSERT … SELECT.
            cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(self.clear_sql)
            with cursor.copy(self.copy_sql) as copy:
                copy.write(text)
            cursor.execute(self.upsert_sql)
            return max(int(cursor.rowcount), 0)
