"""Write the store's tables as Parquet files for a data lake (``cxm export TABLE|all``).

Each table is streamed from the database in chunks into one Parquet file (pyarrow), with
its SQL types kept: integers as int64, money (``NUMERIC(p, s)``) as ``decimal(p, s)``,
dates as ``date32``, times as UTC timestamps, JSON as text. The files are what
``CXM_COMPUTE=duckdb|spark`` with ``CXM_COMPUTE_SOURCE`` reads back. Contact details (the
customers' name, phone and e-mail) stay out of the lake: the analysis needs none of them
(``cxm export customers`` writes the full customer file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    Table,
    func,
    select,
)
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["LAKE_TABLES", "export_tables"]

#: The tables a lake gets (analysis data; no accounts, secrets or audit trail).
LAKE_TABLES = (
    "customers",
    "purchases",
    "touchpoints",
    "segment_definitions",
    "segment_memberships",
    "survey_waves",
    "survey_responses",
    "survey_answers",
    "customer_aggregates",
)
#: Columns left out of the lake, per table.
_LEFT_OUT = {"customers": {"name", "phone", "email"}}
_CHUNK = 50_000


def _arrow_type(column: Any) -> Any:
    import pyarrow as pa

    t = column.type
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, Integer | BigInteger):
        return pa.int64()
    if isinstance(t, Float):
        return pa.float64()
    if isinstance(t, Numeric):
        return pa.decimal128(t.precision or 18, t.scale or 0)
    if isinstance(t, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    return pa.string()


def _values(column: Any, values: list[Any]) -> list[Any]:
    """Python values as pyarrow takes them for the column's type."""
    t = column.type
    if isinstance(t, JSON):
        return [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
    if isinstance(t, Numeric) and not isinstance(t, Float):
        q = Decimal(1).scaleb(-(t.scale or 0))
        return [None if v is None else Decimal(str(v)).quantize(q) for v in values]
    if isinstance(t, DateTime):
        return [None if v is None else (v if v.tzinfo else v.replace(tzinfo=UTC)) for v in values]
    if _arrow_is_string(column):
        return [None if v is None else str(v) for v in values]
    return values


def _arrow_is_string(column: Any) -> bool:
    t = column.type
    return not isinstance(t, Boolean | Integer | BigInteger | Float | Numeric | DateTime | Date)


def export_tables(
    session: Session,
    names: list[str],
    out: Path,
    *,
    metadata: MetaData,
    on_total: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Write each table of ``names`` (``all``: :data:`LAKE_TABLES`) to ``out/<table>.parquet``;
    returns the files written. ``metadata``: every table's definition (``cxm.registry``'s,
    which sits above this layer)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    wanted = list(LAKE_TABLES) if names == ["all"] else names
    for name in wanted:
        if name not in LAKE_TABLES:
            raise InputError(
                _(
                    "Unknown table {name}: use one of {tables} or all.",
                    name=name,
                    tables=", ".join(LAKE_TABLES),
                )
            )
    out.mkdir(parents=True, exist_ok=True)
    tables: list[Table] = [metadata.tables[n] for n in wanted]
    if on_total:
        on_total(sum(session.scalar(select(func.count()).select_from(t)) or 0 for t in tables))
    written: dict[str, Path] = {}
    for table in tables:
        cols = [c for c in table.columns if c.name not in _LEFT_OUT.get(table.name, set())]
        schema = pa.schema([pa.field(c.name, _arrow_type(c)) for c in cols])
        path = out / f"{table.name}.parquet"
        result = session.execute(
            select(*cols).order_by(*table.primary_key.columns),
            execution_options={"stream_results": True, "yield_per": _CHUNK},
        )
        with pq.ParquetWriter(path, schema) as writer:
            for chunk in result.partitions(_CHUNK):
                columns = list(zip(*chunk, strict=True)) if chunk else [()] * len(cols)
                arrays = [
                    pa.array(_values(c, list(v)), type=schema.field(c.name).type)
                    for c, v in zip(cols, columns, strict=True)
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                if on_batch:
                    on_batch(len(chunk))
        written[table.name] = path
    return written
