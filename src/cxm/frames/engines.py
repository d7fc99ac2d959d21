"""Run the per-customer aggregations where the data lives: the store, DuckDB or Spark.

:func:`aggregate` is the one entry point (``CXM_COMPUTE`` picks the engine):

``store`` (default)
    The SQL compiled from the Ibis definitions (:mod:`cxm.frames.compiled_sql`) runs in the
    store's database inside the caller's transaction — pushed down on PostgreSQL and
    SQLite; Ibis is not imported. Where SQLite cannot express a step (date differences),
    that step runs in pandas on the per-customer result.
``duckdb``
    The Ibis expressions run on an embedded DuckDB over ``CXM_COMPUTE_SOURCE`` (Parquet or
    CSV files, or a DuckDB file), or over the store's tables copied in when no source is set.
``spark``
    The same on Spark: ``CXM_SPARK_URL`` ``local[*]`` (one shared session per process, with
    ``CXM_SPARK_DRIVER_MEMORY``) or a Spark Connect URL.

Every engine hands back the same frame: money in integer cents (``*_cents``), counts as
int64, dates as ``datetime64``, rows sorted by the aggregation's key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.frames.cache import raw_rows
from cxm.i18n import _

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["ENGINES", "Engine", "aggregate", "engine_for", "read_source", "spark_session"]

ENGINES = ("store", "duckdb", "spark")

#: Columns that hold dates, and columns that hold whole numbers, in any aggregation.
_DATES = ("first_purchase", "last_purchase")
_COUNTS = (
    "orders",
    "purchase_days",
    "frequency",
    "contacts",
    "customers",
    "buyers",
    "answers",
    "span_days",
    "observed_days",
    "recency_days",
)


def _normalise(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    """One shape whichever engine computed ``frame`` (columns already in shape are left as
    they are: a 5M-row result is not copied for nothing)."""
    for c in frame.columns:
        col = frame[c]
        if c in _DATES:
            if not pd.api.types.is_datetime64_dtype(col):
                frame[c] = pd.to_datetime(col)
        elif c.endswith("_cents") or c in _COUNTS or c == "customer_id":
            if col.dtype != np.int64:
                frame[c] = pd.to_numeric(col).fillna(0).astype(np.int64)
        elif c == "number" and col.dtype != float:
            frame[c] = pd.to_numeric(col).astype(float)
    ordered = len(key) == 1 and frame[key[0]].is_monotonic_increasing
    if len(frame) > 1 and not ordered:
        frame = frame.sort_values(list(key), kind="stable")
    return frame.reset_index(drop=True)


def _given(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def aggregate(session: Session | None, name: str, **params: Any) -> pd.DataFrame:
    """The aggregation ``name`` (:data:`cxm.frames.aggregations.AGGREGATIONS`) with
    ``params`` (``None`` leaves one out) on the engine ``CXM_COMPUTE`` names."""
    from cxm.config import load_settings

    settings = load_settings()
    if settings.compute == "store":
        if session is None:
            raise InputError(_("The store engine needs a database session."))
        return _on_store(session, name, _given(params))
    engine = engine_for(settings.compute, session=session)
    return engine.aggregate(name, **params)


# --- the store: compiled SQL, no Ibis ---------------------------------------------------

_KEYS: dict[str, tuple[str, ...]] = {
    "segment_tallies": ("segment",),
    "score_tallies": ("segment", "question_code", "number"),
}


def _bind_types() -> dict[str, Any]:
    from cxm.customers.models import Touchpoint

    stamp = Touchpoint.__table__.c.occurred_at.type
    return {"start": Date(), "end": Date(), "as_of": Date(), "start_at": stamp, "end_at": stamp}


def _on_store(session: Session, name: str, params: dict[str, Any]) -> pd.DataFrame:
    from cxm.frames.compiled_sql import COLUMNS, SQL

    dialect = session.get_bind().dialect.name
    key = f"{name}|{dialect}|{','.join(sorted(params))}"
    if key not in SQL:
        raise InputError(
            _("No compiled SQL for {key}: run python -m cxm.frames.compile --write.", key=key)
        )
    types = _bind_types()
    query = text(SQL[key]).bindparams(
        *(bindparam(k, _plain(v), type_=types.get(k)) for k, v in params.items())
    )
    frame = pd.DataFrame(raw_rows(session, query), columns=COLUMNS[key])
    if name == "customers" and dialect == "sqlite":
        from cxm.frames.day_counts import add_day_counts  # the pandas fallback

        frame = add_day_counts(frame, params["as_of"])
    return _normalise(frame, _KEYS.get(name, ("customer_id",)))


def _plain(value: Any) -> Any:
    """A pandas timestamp as the date or datetime the driver binds."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# --- DuckDB and Spark through Ibis ------------------------------------------------------


#: The store's columns each lake table needs (read from the store when no source is set).
def _store_columns() -> dict[str, list[Any]]:
    from cxm.customers.models import Purchase, Touchpoint

    return {
        "purchases": [
            Purchase.customer_id,
            Purchase.purchased_on,
            Purchase.revenue,
            Purchase.cost,
        ],
        "touchpoints": [Touchpoint.customer_id, Touchpoint.occurred_at, Touchpoint.stage],
    }


def _store_frame(session: Session, name: str) -> pd.DataFrame:
    """One of the store's tables, as the lake engines read it."""
    from sqlalchemy import Float, String, type_coerce

    cols = _store_columns()
    if name not in cols:
        from cxm.frames.aggregations import SCHEMAS
        from cxm.store.base import Base
        from cxm.surveys import models as _surveys  # noqa: F401  (survey_responses, _answers)

        # segment_memberships is registered by cxm.segments.models, which imports frames
        # (so frames cannot import it): whoever runs a segment aggregation on a lake engine
        # has loaded it, as the registry does.
        table = Base.metadata.tables[name]
        q = select(*(table.c[c] for c in SCHEMAS[name]))
        frame = pd.DataFrame(raw_rows(session, q), columns=list(SCHEMAS[name]))
    else:
        money = {"revenue", "cost"}
        q = select(
            *(
                type_coerce(c, Float)
                if c.key in money
                else type_coerce(c, String)
                if c.key in ("purchased_on", "occurred_at")
                else c
                for c in cols[name]
            )
        )
        frame = pd.DataFrame(raw_rows(session, q), columns=[c.key for c in cols[name]])
    return _typed(frame, name)


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    from cxm.frames.aggregations import SCHEMAS

    for col, kind in SCHEMAS[name].items():
        if col not in frame:
            continue
        if kind == "date":
            frame[col] = pd.to_datetime(frame[col]).dt.normalize()
        elif kind.startswith("timestamp"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
        elif kind.startswith("decimal") or kind == "float64":
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        elif kind == "int64":
            frame[col] = pd.to_numeric(frame[col]).astype("Int64")
        elif kind == "boolean":
            frame[col] = frame[col].astype(bool)
    return frame


def read_source(path: str | Path, name: str) -> Path | None:
    """The file or folder of table ``name`` under a lake folder ``path`` (``name.parquet``,
    ``name/`` of Parquet files, or ``name.csv``); ``None`` when there is none. A Parquet or
    CSV file, or a folder of Parquet files, given as ``path`` is the purchases table."""
    base = Path(path)
    if base.is_file():
        return base if name == "purchases" else None
    for candidate in (base / f"{name}.parquet", base / name, base / f"{name}.csv"):
        if candidate.exists():
            return candidate
    if name == "purchases" and any(base.glob("*.parquet")):
        return base  # a folder of Parquet parts is the purchases themselves
    return None


class Engine:
    """An Ibis backend (DuckDB or Spark) with the tables the aggregations read."""

    def __init__(
        self, kind: str, backend: Any, loader: Callable[[str], Any], pass_lines: int = 0
    ) -> None:
        self.kind = kind
        self.backend = backend
        self._loader = loader
        self._tables: dict[str, Any] = {}
        #: DuckDB: order lines per pass of a per-customer aggregation (:meth:`_passes`).
        self.pass_lines = pass_lines

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = _conform(self._loader(name), name)
        return self._tables[name]

    def expression(
        self, name: str, *, customers: tuple[int, int] | None = None, **params: Any
    ) -> ir.Table:
        """The aggregation ``name`` as an Ibis expression on this engine's tables, over the
        customers with ids in ``[lo, hi)`` when ``customers`` is given."""
        from cxm.frames.aggregations import AGGREGATIONS

        agg = AGGREGATIONS[name]
        given = {k: _plain(v) for k, v in _given(params).items()}
        tables = {t: self.table(t) for t in agg.tables}
        if customers is not None:
            lo, hi = customers
            tables = {
                n: t.filter((t.customer_id >= lo) & (t.customer_id < hi)) for n, t in tables.items()
            }
        return agg.build(tables, **given)

    def aggregate(self, name: str, **params: Any) -> pd.DataFrame:
        from cxm.frames.aggregations import AGGREGATIONS

        key = AGGREGATIONS[name].key
        if self.kind == "spark":
            # Sorted by pandas afterwards (one customer per row: cheap): a global ORDER BY
            # costs Spark a sampling job and another shuffle.
            return _normalise(self.backend.execute(self.expression(name, **params)), key)
        # Sorted by the engine (in parallel), not by pandas afterwards; customer-id ranges
        # in ascending order, so the passes' frames follow one another.
        frames = [
            self.backend.execute(self.expression(name, customers=rng, **params).order_by(list(key)))
            for rng in self._passes(name)
        ]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        return _normalise(frame, key)

    def _passes(self, name: str) -> list[tuple[int, int] | None]:
        """DuckDB: customer-id ranges that each hold at most ``pass_lines`` order lines, so
        that the day rows of a per-customer aggregation (about one per order line: 100M
        lines needed more than 8 GB at once) fit in memory without spilling; ``[None]``:
        one pass.

        Every row of a per-customer aggregation depends on one customer's lines only, so
        the passes' rows are exactly the single pass's rows. Ranges are equal widths of the
        ids (CXM's ids are dense); each pass reads the source again (Parquet: the
        ``customer_id`` column's statistics skip what they can)."""
        from cxm.frames.aggregations import AGGREGATIONS

        agg = AGGREGATIONS[name]
        if self.kind != "duckdb" or name not in _IN_PASSES or self.pass_lines <= 0:
            return [None]
        # The count first (Parquet: from the files' metadata), the ids' range only when
        # there is more than one pass (it reads the customer_id column).
        lines = sum(int(self.backend.execute(self.table(n).count())) for n in agg.tables)
        passes = -(-lines // self.pass_lines)
        if passes <= 1:
            return [None]
        sizes = []
        for n in agg.tables:
            t = self.table(n)
            sizes.append(
                self.backend.execute(
                    t.aggregate(n=t.count(), lo=t.customer_id.min(), hi=t.customer_id.max())
                ).iloc[0]
            )
        lo = min(int(s["lo"]) for s in sizes if s["n"])
        hi = max(int(s["hi"]) for s in sizes if s["n"]) + 1
        step = -(-(hi - lo) // passes)
        return [(a, min(a + step, hi)) for a in range(lo, hi, step)]


#: The aggregations whose memory grows with the order lines (one day row per line, about),
#: not with the customers: they run in passes over large sources.
_IN_PASSES = frozenset({"customers"})

#: Bytes of DuckDB's memory limit to allow per order line of one pass. The day rows of the
#: customers aggregation take about 100 bytes a line (100M lines / 5M customers in one pass
#: needed more than 8 GB and spilled; with an 8 GB limit, 4 passes of 25M lines peaked at
#: 2.9 GB for the whole process): the rest is left for the result and DuckDB's buffers.
_BYTES_PER_LINE = 320


def _pass_lines(con: Any, setting: int) -> int:
    """Order lines per pass: ``setting``, or DuckDB's memory limit / :data:`_BYTES_PER_LINE`."""
    if setting:
        return setting
    limit = str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    number, _, unit = limit.strip().partition(" ")
    scale = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
    scale |= {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "bytes": 1}
    try:
        return int(float(number) * scale[unit.strip()]) // _BYTES_PER_LINE
    except (KeyError, ValueError):
        return 0  # an unknown form: one pass, DuckDB spills beyond its limit


def _conform(t: ir.Table, name: str) -> ir.Table:
    """A lake table cast to the types the aggregations expect (dates as dates, ids as
    int64); money may stay double or decimal (:func:`cents` rounds either)."""
    import ibis

    from cxm.frames.aggregations import SCHEMAS

    casts: dict[str, Any] = {}
    for col, kind in SCHEMAS[name].items():
        if col not in t.columns:
            raise InputError(
                _("The {table} source has no column {column}.", table=name, column=col)
            )
        want = ibis.dtype(kind)
        have = t.schema()[col]
        plain = kind in ("date", "int64", "string", "boolean")
        if (plain and have != want) or (kind.startswith("timestamp") and not have.is_timestamp()):
            casts[col] = t[col].cast(want)
    t = t.mutate(**casts) if casts else t
    return t.select(*SCHEMAS[name])  # only what the aggregations read: no name collisions


_SPARK_LOCK = threading.Lock()
_SPARK: dict[str, Any] = {}


def spark_session(url: str | None = None, driver_memory: str | None = None) -> Any:
    """The process's one Spark session: ``local[*]``-style masters start one here with the
    driver memory set and UTC as the session time zone; ``sc://`` URLs connect to a Spark
    Connect server."""
    from cxm.config import load_settings

    settings = load_settings()
    url = url or settings.spark_url
    with _SPARK_LOCK:
        if url in _SPARK:
            return _SPARK[url]
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise InputError(
                _("CXM_COMPUTE=spark needs PySpark: pip install 'cxm[spark]'.")
            ) from exc
        builder = SparkSession.builder.appName("cxm")
        if url.startswith("sc://"):
            builder = builder.remote(url)
        else:
            builder = (
                builder.master(url)
                .config("spark.driver.memory", driver_memory or settings.spark_driver_memory)
                .config("spark.sql.shuffle.partitions", str(_shuffle_partitions(url, settings)))
                .config("spark.ui.enabled", "false")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
        session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
        _SPARK[url] = session
        return session


def _duckdb_compiler() -> Any:
    """Ibis's DuckDB compiler, but an arg-min as DuckDB's own ``arg_min_null`` (the value
    at the least key, a NULL value kept, as Ibis means it). Ibis writes
    ``FIRST(value ORDER BY key)``, an ordered aggregate that keeps every value of a group
    and sorts them (the per-customer table at 10M lines: 14.2 CPU s against 13.0)."""
    from ibis.backends.sql.compilers.duckdb import DuckDBCompiler

    class Compiler(DuckDBCompiler):  # type: ignore[misc]  # Ibis is untyped here
        def visit_ArgMin(self, op: Any, *, arg: Any, key: Any, where: Any) -> Any:
            if where is not None:
                return super().visit_ArgMin(op, arg=arg, key=key, where=where)
            return self.f.arg_min_null(arg, key)

    return Compiler()


def _shuffle_partitions(master: str, settings: Any) -> int:
    """Spark local: twice the cores of ``local[N]`` / ``local[*]`` (Spark's 200 partitions
    are for a cluster: on two cores they are 200 small tasks per shuffle) unless
    ``CXM_SPARK_SHUFFLE_PARTITIONS`` says otherwise."""
    import os
    import re

    if settings.spark_shuffle_partitions:
        return int(settings.spark_shuffle_partitions)
    found = re.fullmatch(r"local\[(\d+)(?:,\d+)?\]", master)
    cores = int(found.group(1)) if found else (os.cpu_count() or 2)
    return max(2, 2 * cores)


def engine_for(
    kind: str, *, session: Session | None = None, source: str | Path | None = None
) -> Engine:
    """An engine of ``kind`` (duckdb or spark) over ``source`` (a lake folder or a DuckDB
    file; ``CXM_COMPUTE_SOURCE`` by default), or over the store's tables (read through
    ``session``) when there is no source."""
    from cxm.config import load_settings

    settings = load_settings()
    src = str(source if source is not None else settings.compute_source)
    if kind == "duckdb":
        import ibis

        config: dict[str, Any] = {}
        if settings.duckdb_threads:
            config["threads"] = settings.duckdb_threads
        if settings.duckdb_memory_limit:
            config["memory_limit"] = settings.duckdb_memory_limit
        if src.endswith((".duckdb", ".db")) and Path(src).is_file():
            backend = ibis.duckdb.connect(src, read_only=True, **config)
            backend.compiler = _duckdb_compiler()
            lines = _pass_lines(backend.con, settings.duckdb_pass_lines)
            return Engine(kind, backend, backend.table, lines)
        backend = ibis.duckdb.connect(**config)
        backend.compiler = _duckdb_compiler()
        pass_lines = _pass_lines(backend.con, settings.duckdb_pass_lines)
    elif kind == "spark":
        import ibis

        backend = ibis.pyspark.connect(spark_session())
        pass_lines = 0
    else:
        raise InputError(
            _("Unknown engine {kind}: use one of {kinds}.", kind=kind, kinds=", ".join(ENGINES))
        )

    def load(name: str) -> Any:
        if src:
            found = read_source(src, name)
            if found is None:
                raise InputError(
                    _(
                        "No {table} in {source} (looked for {table}.parquet, {table}/, "
                        "{table}.csv).",
                        table=name,
                        source=src,
                    )
                )
            return _read_file(backend, found)
        if session is None:
            raise InputError(_("No CXM_COMPUTE_SOURCE and no database to read from."))
        return _from_frame(backend, kind, name, _store_frame(session, name))

    return Engine(kind, backend, load, pass_lines)


def _read_file(backend: Any, path: Path) -> Any:
    """A Parquet file or folder, or a CSV file, as an Ibis table of ``backend``."""
    if path.is_dir():
        pattern = str(path / "*.parquet")
        return backend.read_parquet(pattern)
    if path.suffix == ".csv":
        return backend.read_csv(str(path))
    return backend.read_parquet(str(path))


_VIEWS = iter(range(1 << 62))


def _from_frame(backend: Any, kind: str, name: str, frame: pd.DataFrame) -> Any:
    """A pandas frame as a table of ``backend`` (DuckDB: in memory; Spark: a temp view)."""
    if kind == "duckdb":
        view = f"cxm_{name}_{next(_VIEWS)}"
        backend.con.register(view, frame)  # DuckDB scans the frame in place: no copy
        return backend.table(view)
    from cxm.frames.aggregations import SCHEMAS

    spark = spark_session()
    view = f"cxm_{name}_{next(_VIEWS)}"
    columns: list[list[Any]] = []
    for col, kind in SCHEMAS[name].items():
        values = frame[col].astype(object).where(frame[col].notna(), None).tolist()
        if kind == "date":
            values = [None if v is None else v.date() for v in values]
        elif kind.startswith("timestamp"):
            values = [None if v is None else v.to_pydatetime() for v in values]
        elif kind == "int64":
            values = [None if v is None else int(v) for v in values]
        elif kind == "float64" or kind.startswith("decimal"):
            values = [None if v is None else float(v) for v in values]
        columns.append(values)
    data = list(zip(*columns, strict=True))
    spark.createDataFrame(data, schema=_spark_schema(name)).createOrReplaceTempView(view)
    return backend.table(view)


def _spark_schema(name: str) -> str:
    from cxm.frames.aggregations import SCHEMAS

    spark_types = {
        "int64": "bigint",
        "date": "date",
        "string": "string",
        "float64": "double",
        "boolean": "boolean",
    }
    parts = []
    for col, kind in SCHEMAS[name].items():
        t = spark_types.get(kind, "timestamp" if kind.startswith("timestamp") else "double")
        parts.append(f"{col} {t}")
    return ", ".join(parts)
