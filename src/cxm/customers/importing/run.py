"""Import the customer file from CSV/XLSX: customers, purchases, touchpoints.

Every import reads the file chunk by chunk (constant memory), validates each chunk,
collects *every* problem (row, column, value, reason) and writes valid chunks inside ONE
open transaction; if any problem was found the transaction is rolled back and
:class:`~cxm.errors.ValidationFailed` lists them, so nothing is ever half imported. Rows
are upserted by external id: re-importing the same file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, DropConstraint

from cxm.customers.importing.checks import Chunk, ImportState
from cxm.customers.importing.columns import (
    CUSTOMER_FIELDS,
    ORDER_FIELDS,
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
from cxm.customers.importing.layout import layout_rows
from cxm.customers.importing.models import OrderLine
from cxm.customers.importing.order_totals import OrderTotals
from cxm.customers.importing.orders import (
    ORDER_LINE_COLUMNS,
    OrderBook,
    fill_down,
    finish_orders,
    order_line_update_columns,
    validate_order_lines,
)
from cxm.customers.importing.pipeline import (
    BackgroundWrites,
    runs_in_background,
    writer_thread_wanted,
)
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
from cxm.files import TableChunks, iter_chunks
from cxm.files.chunks import HeaderAt, find_header
from cxm.files.mapping import FileMapping, combine
from cxm.files.presets import get_preset
from cxm.i18n import _, ngettext
from cxm.store import Store, utcnow

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ImportOptions",
    "ImportResult",
    "Progress",
    "import_customers",
    "import_orders",
    "import_purchases",
    "import_touchpoints",
]

#: Rows validated and written at a time.
DEFAULT_CHUNK_ROWS = 20_000
#: Order lines are narrow and many: larger chunks spread each chunk's fixed costs (look-ups,
#: statements, pandas calls) over more lines (8 % less CPU than 20,000 per chunk).
ORDER_CHUNK_ROWS = 50_000

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
    #: rows the mapping's skip rules left out
    skipped: int = 0
    #: orders written (an order-lines import)
    orders: int | None = None
    #: the mapping used: source, field -> column, date format…
    mapping: dict[str, Any] = field(default_factory=dict)
    #: the first rows as they would be stored (``ImportOptions.preview``)
    preview: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        out["preview"] = list(self.preview)
        return out


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file: a mapping file and/or a preset (the mapping file wins key by
    key), and command-line overrides of the date format and decimal comma."""

    mapping: FileMapping | None = None
    preset: str | None = None
    date_format: str | None = None
    decimal_comma: bool | None = None
    #: rows to keep for a dry run's printout
    preview: int = 0
    #: write order lines on a thread of their own while the next chunk is validated;
    #: ``None``: on PostgreSQL, and on SQLite when a core is idle
    #: (:func:`~.pipeline.writer_thread_wanted`)
    writer_thread: bool | None = None

    def resolved(self, kind: str) -> FileMapping:
        preset = get_preset(self.preset, kind=kind).mapping if self.preset else None
        return combine(preset, self.mapping)


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
_PURCHASE_TABLE: Table = Purchase.__table__  # type: ignore[assignment]


def _no_validate(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    raise NotImplementedError  # order lines are validated with their OrderBook


_ORDERS = _Kind(
    "orders",
    OrderLine.__table__,  # type: ignore[arg-type]
    ORDER_FIELDS,
    ORDER_LINE_COLUMNS,
    _no_validate,
    order_line_update_columns,
)
_TOUCHPOINTS = _Kind(
    "touchpoints",
    Touchpoint.__table__,  # type: ignore[arg-type]
    TOUCHPOINT_FIELDS,
    TOUCHPOINT_COLUMNS,
    validate_touchpoints,
    touchpoint_update_columns,
)


def _warnings(columns: ColumnMap, state: ImportState, mapping: FileMapping) -> list[str]:
    out = []
    if state.header_at is not None:
        out.append(
            ngettext(
                "The header is on row {line}: the {n} row above it (a title) was skipped; "
                "row numbers count from the header.",
                "The header is on row {line}: the {n} rows above it (a title) were skipped; "
                "row numbers count from the header.",
                state.header_at.skip_rows,
                line=state.header_at.line,
            )
        )
    out += [
        _("Column {column!r} is not a known field and was ignored.", column=c)
        for c in columns.unknown
    ]
    if mapping.overridden:
        out.append(
            _(
                "The mapping file overrides the preset for: {keys}.",
                keys=", ".join(mapping.overridden),
            )
        )
    for reason, n in state.skipped.items():
        out.append(
            ngettext(
                "{n} row was skipped: {reason}.",
                "{n} rows were skipped: {reason}.",
                n,
                reason=reason,
            )
        )
    if state.normalised_ids:
        out.append(
            ngettext(
                "{n} id was normalised (full-width characters or extra spaces removed).",
                "{n} ids were normalised (full-width characters or extra spaces removed).",
                state.normalised_ids,
            )
        )
    return out


def _recode(frame: pd.DataFrame, columns: ColumnMap, mapping: FileMapping) -> pd.DataFrame:
    """The mapping's value recoding, then its ``skip`` / ``skip_without`` rules."""
    if mapping.values:  # noqa: PD011 - the mapping's value tables, not pandas
        frame = frame.copy()
        for name, table in mapping.values.items():  # noqa: PD011 - not pandas
            header = columns.fields.get(name)
            if header is not None:
                frame[header] = frame[header].map(lambda v, t=table: t.get(str(v).strip(), v))
    return frame


def _stripped_is(values: pd.Series, wanted: str) -> pd.Series:
    """Where the cell's text, stripped, is ``wanted``: tested once per distinct value (a
    Python call per row cost two CPU-seconds per million order lines)."""
    hits = [v for v in values.unique().tolist() if str(v).strip() == wanted]
    if not hits:
        return pd.Series(False, index=values.index)
    return values.isin(hits)


def _skip(
    frame: pd.DataFrame, columns: ColumnMap, mapping: FileMapping, state: ImportState
) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    for reason, hit in layout_rows(frame):  # a report's totals and notes, not data
        state.skipped[reason] = state.skipped.get(reason, 0) + int((hit & keep).sum())
        keep &= ~hit
    for name in mapping.skip_without:
        header = columns.fields.get(name)
        if header is None:
            continue
        empty = _stripped_is(frame[header], "")
        dropped = int((empty & keep).sum())
        if dropped:
            reason = _("no value in {column}", column=header)
            state.skipped[reason] = state.skipped.get(reason, 0) + dropped
        keep &= ~empty
    for name, values in mapping.skip.items():
        header = columns.fields.get(name)
        if header is None:
            continue
        for value in values:
            hit = _stripped_is(frame[header], value) & keep
            dropped = int(hit.sum())
            if dropped:
                reason = _("{column} is {value!r}", column=header, value=value)
                state.skipped[reason] = state.skipped.get(reason, 0) + dropped
            keep &= ~hit
    return frame if bool(keep.all()) else frame[keep]


def _joined(
    path: Path, frame: pd.DataFrame, mapping: FileMapping, lookup: dict[str, tuple[str, ...]]
) -> pd.DataFrame:
    join = mapping.join
    if join is None:
        return frame
    if join.on not in frame.columns:
        raise InputError(
            _("{file} has no column {column!r} to join on.", file=path.name, column=join.on)
        )
    out = frame.copy()
    keys = out[join.on].astype(str).str.strip().tolist()
    missing = ("",) * len(join.columns)
    for i, column in enumerate(join.columns):
        out[column] = [lookup.get(k, missing)[i] for k in keys]
    return out


def _join_lookup(path: Path, mapping: FileMapping) -> dict[str, tuple[str, ...]]:
    join = mapping.join
    if join is None:
        return {}
    other = path.with_name(join.file)
    if not other.exists():
        raise InputError(
            _(
                "The preset reads {other} beside {file}, which is not there.",
                other=join.file,
                file=path.name,
            )
        )
    lookup: dict[str, tuple[str, ...]] = {}
    with iter_chunks(other) as chunks:
        absent = [c for c in (join.on, *join.columns) if c not in chunks.columns]
        if absent:
            raise InputError(
                _(
                    "{file} lacks required columns: {columns}. Found: {found}.",
                    file=other.name,
                    columns=", ".join(absent),
                    found=", ".join(chunks.columns),
                )
            )
        for frame in chunks:
            keys = frame[join.on].astype(str).str.strip().tolist()
            values = zip(*(frame[c].tolist() for c in join.columns), strict=True)
            lookup.update(zip(keys, values, strict=True))
    return lookup


def _explicit_columns(mapping: FileMapping, join_columns: dict[str, str]) -> dict[str, str]:
    return {**join_columns, **mapping.columns}


def _open_table(
    kind: _Kind,
    path: Path,
    mapping: FileMapping,
    join_columns: dict[str, str],
    *,
    chunk_rows: int,
    sheet: str | int | None,
) -> tuple[TableChunks, ColumnMap, HeaderAt | None]:
    """The file opened for reading and its columns mapped onto the import's fields. When
    its first row is not a header that maps (a report's title above the table: a company
    name, "客户名单（2024年12月）", an export date), the header is looked for among the first
    rows, and the rows above it are skipped; where it is found is returned (the import
    warns). Else the first row's mapping error stands."""

    def columns_of(cells: list[str]) -> ColumnMap:
        return map_columns(
            path.name,
            [*cells, *(c for c in join_columns if c not in cells)],
            kind.fields,
            allow_attributes=kind.attributes,
            explicit=_explicit_columns(mapping, join_columns),
        )

    def fits(cells: list[str]) -> bool:
        try:
            columns_of(cells)
        except InputError:
            return False
        return True

    encoding, delimiter = mapping.encoding, mapping.delimiter
    chunks = iter_chunks(path, chunk_rows, sheet=sheet, encoding=encoding, delimiter=delimiter)
    try:
        return chunks, columns_of(chunks.columns), None
    except InputError:
        chunks.close()
        found = find_header(path, fits, sheet=sheet, encoding=encoding, delimiter=delimiter)
        if found is None:
            raise
    chunks = iter_chunks(
        path,
        chunk_rows,
        sheet=sheet,
        encoding=encoding,
        delimiter=delimiter,
        skip_rows=found.skip_rows,
    )
    try:
        return chunks, columns_of(chunks.columns), found
    except BaseException:
        chunks.close()
        raise


def _preview_rows(rows: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    out = []
    for row_no, values in rows.head(n).iterrows():
        cells: dict[str, Any] = {"row": int(str(row_no))}
        for key, value in values.items():
            cells[str(key)] = None if value is None else str(value)
        out.append(cells)
    return out


#: SQLite page cache (KiB) while an import runs: the indexes of a large table stay in
#: memory instead of being re-read page by page (the default is 2 MiB).
IMPORT_CACHE_KIB = 131_072


@contextmanager
def _import_pragmas(conn: Connection, *, own_foreign_keys: bool) -> Iterator[None]:
    """SQLite settings for the import's transaction, restored after it: a large page
    cache, and with ``own_foreign_keys`` no foreign-key check per written row — the
    import has resolved every customer itself and checks, at the end of its write
    transaction, that each customer it wrote still exists (:func:`_customers_exist`).
    The per-row check was a third of the cost of writing an order line."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw: Any = conn.connection.driver_connection  # no SQLAlchemy transaction for a PRAGMA
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    foreign_keys = raw.execute("PRAGMA foreign_keys").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    if own_foreign_keys:
        raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, so it applies
    try:
        yield
    finally:
        try:
            raw.execute(f"PRAGMA cache_size={int(before)}")
            raw.execute(f"PRAGMA foreign_keys={int(foreign_keys)}")
        except Exception:
            conn.invalidate()  # never hand a connection without its checks back to the pool
            raise


@contextmanager
def _without_row_triggers(conn: Connection, *, wanted: bool) -> Iterator[bool]:
    """PostgreSQL: write without the per-row foreign-key triggers where the role may
    (``session_replication_role``: a superuser, or one granted SET on it), for the rest
    of the block; yields whether it did. The import then checks its customers itself,
    once per customer (:func:`_customers_exist`), and locks them as each trigger would
    (``FOR KEY SHARE``): the trigger's queries cost 4 of the 13 server-seconds of a
    million order lines. ``order_lines`` and ``purchases`` have no other trigger to skip
    (the cases that name a purchase refer to it, which only a delete would fire). Else
    (SQLite, a role without that right) nothing changes."""
    if not wanted or conn.dialect.name != "postgresql":
        yield False
        return
    try:
        with conn.begin_nested():  # a refused SET must not abort the import's transaction
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:
        yield False
        return
    yield True
    conn.exec_driver_sql("SET LOCAL session_replication_role = origin")


def _customers_exist(conn: Connection, pks: set[int]) -> None:
    """Refuse the import when a customer its rows point at is gone (deleted by another
    writer between the look-up and the write): the foreign key's check, once per
    customer instead of once per row. PostgreSQL locks each customer found as the
    foreign key's trigger does (``FOR KEY SHARE``), so none can be deleted before the
    import commits (a later delete then takes the customer's lines with it)."""
    wanted = sorted(pks)
    table: Table = Customer.__table__  # type: ignore[assignment]
    quoted = conn.dialect.identifier_preparer.quote(table.name)
    if conn.dialect.name == "sqlite":  # one statement, the ids bound as one JSON array
        sql = f"SELECT count(*) FROM {quoted} WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608 - the name from our metadata, the ids bound
        found = int(conn.exec_driver_sql(sql, (json.dumps(wanted),)).scalar_one())
    else:
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {quoted} WHERE id = ANY(%s) FOR KEY SHARE) AS c"  # noqa: S608 - the name from our metadata, the ids bound
        found = int(conn.exec_driver_sql(sql, (wanted,)).scalar_one())
    if found != len(wanted):
        raise InputError(
            _(
                "Some customers were deleted while the file was being imported; "
                "nothing was imported. Import the file again."
            )
        )


def _write_chunks(
    kind: _Kind,
    conn: Connection,
    chunks: Any,
    columns: ColumnMap,
    mapping: FileMapping,
    state: ImportState,
    book: OrderBook,
    writer: UpsertWriter,
    options: ImportOptions,
    *,
    path: Path,
    lookup: dict[str, tuple[str, ...]],
    progress: Progress | None,
) -> int:
    """Validate every chunk (collecting every problem) and write the valid ones while no
    problem has been found; returns the rows inserted or changed. Order lines may be
    written on a thread of their own while the next chunk is validated (their validation
    looks customers up on a connection of its own, :attr:`OrderBook.reader`)."""
    background = (
        kind.name == "orders"
        and runs_in_background(conn)
        and writer_thread_wanted(options.writer_thread, conn.dialect.name)
    )
    with ExitStack() as stack:
        if background:
            book.reader = stack.enter_context(conn.engine.connect())
            stack.callback(setattr, book, "reader", None)
        writes = stack.enter_context(BackgroundWrites(writer.write, background=background))
        for raw in chunks:
            state.rows += len(raw)
            frame = _joined(path, raw, mapping, lookup)
            if kind.name == "orders":
                frame = fill_down(frame, columns, book)
            frame = _skip(_recode(frame, columns, mapping), columns, mapping, state)
            if frame.empty:
                continue
            chunk = Chunk(frame, columns, state)
            if kind.name == "orders":
                rows = validate_order_lines(chunk, conn, book)
            else:
                rows = kind.validate(chunk, conn)
            if len(state.preview) < options.preview:
                state.preview.extend(_preview_rows(rows, options.preview - len(state.preview)))
            if not state.problem_count:
                writes.submit(rows)
            if progress is not None:
                progress(chunks.bytes_read, chunks.total_bytes)
        return writes.finish()


@contextmanager
def _indexes_after(
    conn: Connection, table: Table, *, defer: bool, inserts_only: bool = False
) -> Iterator[int]:
    """Yields the rows ``table`` holds as the writing begins. Into an empty table (with
    ``defer``), rows are written first and its secondary (non-unique) indexes built once
    at the end: a sorted build costs a third less than keeping each index up to date row
    by row on SQLite, and on PostgreSQL 0.7 server-seconds instead of 2.8 for a million
    order lines. The unique ones stay, the upsert needs them (but see ``inserts_only``).
    Inside the import's transaction, so a failed import rolls the indexes back too.

    On SQLite the write transaction is begun first (``BEGIN IMMEDIATE``): the driver
    would run the ``DROP INDEX`` outside any transaction, and a failed import left the
    table without its indexes. On PostgreSQL dropping an index locks the table
    (``ACCESS EXCLUSIVE``) until the import ends, so only order lines are written this
    way there (a table only imports and merges touch, which would wait for the import
    anyway). Either way the table is counted again under the write lock, in case another
    import filled it since the first count.

    ``inserts_only``: into the empty table rows are only inserted, never upserted; on
    PostgreSQL its unique constraints are then dropped too and added back at the end,
    which checks every key at once (a million order lines: 1.2 server-seconds less). A
    key met twice fails there, and the import is rolled back."""
    before = count_rows(conn, table)
    deferred = [i for i in table.indexes if not i.unique] if defer and before == 0 else []
    if deferred and conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")
    for index in deferred:
        index.drop(conn)
    unique: list[UniqueConstraint] = []
    if deferred:
        before = count_rows(conn, table)
        if inserts_only and before == 0 and conn.dialect.name == "postgresql":
            unique = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    for constraint in unique:
        conn.execute(DropConstraint(constraint))
    yield before
    for constraint in unique:
        conn.execute(AddConstraint(constraint))
    for index in deferred:
        index.create(conn)


def _run(
    kind: _Kind,
    store: Store,
    path: str | Path,
    *,
    dry_run: bool,
    progress: Progress | None,
    chunk_rows: int,
    sheet: str | int | None,
    options: ImportOptions | None = None,
) -> ImportResult:
    name = Path(path).name
    options = options or ImportOptions()
    mapping = options.resolved(kind.name)
    state = ImportState(
        date_format=options.date_format or mapping.date_format,
        decimal_comma=bool(
            mapping.decimal_comma if options.decimal_comma is None else options.decimal_comma
        ),
    )
    book = OrderBook(
        cancel_prefix=mapping.cancel_prefix, customer_key=mapping.customer_key or "external_id"
    )
    lookup = _join_lookup(Path(path), mapping)
    join_columns = dict(mapping.join.columns) if mapping.join else {}
    chunks, columns, state.header_at = _open_table(
        kind, Path(path), mapping, join_columns, chunk_rows=chunk_rows, sheet=sheet
    )
    with (
        chunks,
        store.engine.connect() as conn,
        _import_pragmas(conn, own_foreign_keys=kind.name == "orders"),
    ):
        tx = conn.begin()
        try:
            stamp = utcnow()
            defer = not dry_run and (conn.dialect.name == "sqlite" or kind.name == "orders")
            with _indexes_after(
                conn, kind.table, defer=defer, inserts_only=kind.name == "orders"
            ) as before:
                state.rows_before = before
                fresh = kind.name == "orders" and before == 0
                if fresh:
                    book.totals = OrderTotals()  # the file's lines will be all there is
                writer = UpsertWriter(
                    conn,
                    kind.table,
                    kind.columns,
                    kind.update_columns(columns),
                    stamp=stamp,
                    lock=book.lock,
                    fresh=fresh,
                )
                with _without_row_triggers(conn, wanted=kind.name == "orders") as own:
                    changed = _write_chunks(
                        kind,
                        conn,
                        chunks,
                        columns,
                        mapping,
                        state,
                        book,
                        writer,
                        options,
                        path=Path(path),
                        lookup=lookup,
                        progress=progress,
                    )
            if state.rows == 0:
                raise InputError(_("{file} has a header but no data rows.", file=name))
            if state.problem_count:
                state.resolve(
                    {
                        "file": lambda column, rows: written_cells(
                            path,
                            column,
                            rows,
                            chunk_rows=chunk_rows,
                            sheet=sheet,
                            encoding=chunks.encoding,
                            delimiter=chunks.delimiter,
                            skip_rows=chunks.skip_rows,
                        ),
                        "stored": lambda _name, keys: stored_ids(conn, kind.table, keys),
                    }
                )
                raise ValidationFailed(
                    ngettext(
                        "{file}: {n} problem found; nothing was imported. "
                        "Fix it and import the file again.",
                        "{file}: {n} problems found; nothing was imported. "
                        "Fix them and import the file again.",
                        state.problem_count,
                        file=name,
                    ),
                    sorted(state.problems, key=lambda p: p.row or 0),
                )
            inserted = count_rows(conn, kind.table) - before
            orders = None
            if kind.name == "orders":
                if own or conn.dialect.name == "sqlite":
                    _customers_exist(conn, book.customer_pks)
                purchases = UpsertWriter(  # one row per order: keys unique
                    conn,
                    _PURCHASE_TABLE,
                    PURCHASE_COLUMNS,
                    list(PURCHASE_COLUMNS[1:]),
                    stamp=stamp,
                    fresh=count_rows(conn, _PURCHASE_TABLE) == 0,
                )
                # The purchases' customers are the lines' own, checked and locked just
                # above: their per-row foreign-key triggers may be skipped as well
                # (100,000 purchases: 0.4 of the write's 1.0 server-seconds).
                with _without_row_triggers(conn, wanted=own):
                    orders = finish_orders(conn, state, book, purchases)
        except BaseException:
            tx.rollback()
            raise
        if dry_run:
            tx.rollback()
        else:
            _audit(conn, kind.name, name, state.rows, inserted)
            tx.commit()
    updated = max(changed - inserted, 0)
    skipped = sum(state.skipped.values())
    return ImportResult(
        kind=kind.name,
        file=name,
        rows=state.rows - skipped,
        inserted=inserted,
        updated=updated,
        unchanged=state.rows - skipped - inserted - updated,
        warnings=tuple(_warnings(columns, state, mapping)),
        dry_run=dry_run,
        skipped=skipped,
        orders=orders,
        mapping=_mapping_used(columns, mapping, state),
        preview=tuple(state.preview),
    )


def _audit(conn: Any, kind: str, file: str, rows: int, inserted: int) -> None:
    """The import's audit entry, in the import's own transaction."""
    from sqlalchemy.orm import Session

    from cxm.audit import record

    with Session(bind=conn) as session:
        record(
            session,
            actor_id=None,
            action="import",
            entity=kind,
            entity_id=file,
            after={"rows": rows, "inserted": inserted},
        )


def _mapping_used(columns: ColumnMap, mapping: FileMapping, state: ImportState) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": mapping.name or _("column names"),
        "columns": dict(columns.fields),
    }
    if columns.attributes:
        out["attributes"] = dict(columns.attributes)
    if columns.ignored:
        out["ignored"] = list(columns.ignored)
    if columns.unknown:
        out["unknown"] = list(columns.unknown)
    orders = {k: v for k, v in state.date_orders.items() if v}
    if state.date_format:
        out["date_format"] = state.date_format
    elif orders:
        out["date_format"] = orders
    if state.decimal_comma:
        out["decimal_comma"] = True
    if mapping.values:  # noqa: PD011 - the mapping's value tables, not pandas
        out["values"] = {k: dict(v) for k, v in mapping.values.items()}  # noqa: PD011 - not pandas
    return out


def import_customers(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
    options: ImportOptions | None = None,
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
        options=options,
    )


def import_purchases(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
    options: ImportOptions | None = None,
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
        options=options,
    )


def import_touchpoints(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sheet: str | int | None = None,
    options: ImportOptions | None = None,
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
        options=options,
    )


def import_orders(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = ORDER_CHUNK_ROWS,
    sheet: str | int | None = None,
    options: ImportOptions | None = None,
) -> ImportResult:
    """Import an order-lines file (see :mod:`cxm.customers.importing.orders`): lines are
    upserted by ``<order>#<line>``, then each order of the file becomes (or updates) one
    purchase. Customers must exist."""
    return _run(
        _ORDERS,
        store,
        path,
        dry_run=dry_run,
        progress=progress,
        chunk_rows=chunk_rows,
        sheet=sheet,
        options=options,
    )
