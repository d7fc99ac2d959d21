"""Validate chunks of an order-lines file (one row per line of an order, as shops and ERPs
export them) and turn the lines into orders.

* A line's amount is the file's amount, else quantity × unit price (rounded half up to the
  cent); a return is a line with a negative quantity (and so a negative amount).
* Lines are grouped by order id: every order becomes one purchase whose revenue is the sum
  of its lines (a cancellation, or an order of returns only, has a negative revenue).
* An order whose id starts with the cancellation prefix (``C`` in the UCI layout) cancels
  an earlier order: its quantities are negative, and each of its lines names in
  ``cancels`` the latest earlier order of the same customer with that product.
* Customer, date and status may be written on an order's first line only (Shopify): later
  lines of the same order take them from it.
* A line's key is ``<order id>#<line number>`` (the file's line number, else its position
  among the order's lines in the file), so importing the file again changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, and_, func, select, update

from cxm.customers.importing.checks import Chunk, ImportState
from cxm.customers.importing.columns import ColumnMap
from cxm.customers.importing.models import OrderLine
from cxm.customers.importing.order_amounts import Cents, line_amounts
from cxm.customers.importing.order_totals import OrderTotals
from cxm.customers.importing.purchases import PURCHASE_COLUMNS
from cxm.customers.importing.rows import MAX_AMOUNT, customer_keys
from cxm.customers.models import Customer, Purchase
from cxm.errors import InputError
from cxm.files.parsing import normalise_text, parse_amount
from cxm.i18n import _

__all__ = [
    "ORDER_LINE_COLUMNS",
    "OrderBook",
    "fill_down",
    "finish_orders",
    "order_line_update_columns",
    "validate_order_lines",
]

ORDER_LINE_COLUMNS = (
    "external_id",
    "order_id",
    "customer_id",
    "ordered_on",
    "product",
    "product_code",
    "quantity",
    "unit_price",
    "amount",
    "cost",
    "cancels",
)
_CENT = Decimal("0.01")
_LINES: Table = OrderLine.__table__  # type: ignore[assignment]
_PURCHASES: Table = Purchase.__table__  # type: ignore[assignment]
#: Fields an order's later lines may leave blank.
FILL_DOWN = ("customer_id", "customer_email", "customer_phone", "date", "status")


@dataclass
class OrderBook:
    """What an order import remembers across chunks: per order, its first line's values
    (for fill-down and the purchase's product) and how many lines it has had so far."""

    cancel_prefix: str | None = None
    customer_key: str = "external_id"
    #: per fill-down field, order id → the value its first line gave
    heads: dict[str, dict[str, str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    first_product: dict[str, str] = field(default_factory=dict)
    #: normalised e-mail or phone → customer pk (``None``: several customers have it)
    by_contact: dict[str, int | None] | None = None
    #: customer id → primary key, for the ids seen so far
    known_customers: dict[str, int] = field(default_factory=dict)
    #: primary keys of the customers the lines point at
    customer_pks: set[int] = field(default_factory=set)
    #: line amounts made so far, by their cents
    cents: Cents = field(default_factory=Cents)
    #: held while validation uses the connection: the lines' writer may be running a
    #: statement on another thread (:class:`~cxm.customers.importing.sql.UpsertWriter`)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: a connection of its own for looking customers up while the writer's thread uses
    #: the import's (``None``: the import's, under ``lock``). Waiting for the writer's
    #: statement to end before each chunk's look-up undid the overlap: a chunk's write
    #: and the next chunk's validation ran one after the other.
    reader: Connection | None = None
    #: each order's sums from the file (an import into an empty table), else ``None``
    totals: OrderTotals | None = None


def order_line_update_columns(columns: ColumnMap) -> list[str]:
    """Columns a re-import may change; ``cancels`` only when the file gives it (else it
    was found by :func:`finish_orders` and stays)."""
    skip = {"order_id"} | (set() if columns.has("cancels") else {"cancels"})
    return [c for c in ORDER_LINE_COLUMNS[1:] if c not in skip]


def fill_down(frame: pd.DataFrame, columns: ColumnMap, book: OrderBook) -> pd.DataFrame:
    """Give later lines of an order the customer, date and status of its first line."""
    order_col = columns.fields.get("order_id")
    if order_col is None:
        return frame
    present = [(f, columns.fields[f]) for f in FILL_DOWN if f in columns.fields]
    if not present:
        return frame
    orders = frame[order_col]
    codes, names = pd.factorize(orders.to_numpy(dtype=object))  # once for every field
    order_names: list[Any] = names.tolist()
    named = np.array([o != "" for o in order_names] + [False], dtype=bool)[codes]
    out = frame
    for f, col in present:
        values = frame[col]
        blanks = [v for v in values.unique().tolist() if not str(v).strip()]
        blank = values.isin(blanks) if blanks else pd.Series(False, index=values.index)
        heads = book.heads.setdefault(f, {})
        given = ~blank.to_numpy() & named
        if given.any():  # the first value of each order not seen before (vectorised)
            found, at = np.unique(codes[given], return_index=True)
            firsts = values.to_numpy(dtype=object)[given][at].tolist()
            new = dict(zip([order_names[c] for c in found.tolist()], firsts, strict=True))
            new.update((o, heads[o]) for o in new.keys() & heads.keys())
            heads.update(new)
        if blank.any():
            filled = orders[blank].map(heads)
            if filled.notna().any():
                if out is frame:
                    out = frame.copy()
                out.loc[filled.index[filled.notna()], col] = filled[filled.notna()]
    return out


def _normal_phone(text: str) -> str:
    digits = "".join(ch for ch in normalise_text(text) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _contact_index(conn: Connection, key: str) -> dict[str, int | None]:
    column = Customer.__table__.c[key]
    out: dict[str, int | None] = {}
    rows = conn.execute(select(column, Customer.__table__.c.id).where(column.is_not(None)))
    for value, pk in rows:
        norm = str(value).strip().casefold() if key == "email" else _normal_phone(str(value))
        if not norm:
            continue
        out[norm] = None if norm in out and out[norm] != pk else int(pk)
    return out


def _customers(chunk: Chunk, conn: Connection, book: OrderBook) -> pd.Series:
    """The primary key of each line's customer, found by the import's customer key."""
    if book.customer_key == "external_id":
        if not chunk.columns.has("customer_id"):
            raise InputError(
                _("The file has no customer column: map one to customer_id (or set customer_key).")
            )
        return customer_keys(chunk, conn, book.known_customers)[1]
    name = f"customer_{book.customer_key}"
    if not chunk.columns.has(name):
        raise InputError(_("The file has no column for {field}: map one to it.", field=name))
    if book.by_contact is None:
        book.by_contact = _contact_index(conn, book.customer_key)
    texts = chunk.text(name, max_length=254, required=True)
    index = book.by_contact

    def find(text: Any) -> Any:
        if text is None:
            return None
        norm = str(text).casefold() if book.customer_key == "email" else _normal_phone(str(text))
        return index.get(norm, -1)

    pks = texts.map(find)
    chunk.fail(
        texts.notna() & (pks == -1),
        name,
        _("no customer has this {key}; import the customers first", key=book.customer_key),
    )
    chunk.fail(
        texts.notna() & pks.isna(),
        name,
        _("several customers have this {key}; merge them first", key=book.customer_key),
    )
    return pks.where(texts.notna() & pks.notna() & (pks != -1), None).astype(object)


def _decimals(chunk: Chunk, name: str, *, required: bool = False) -> pd.Series:
    comma = chunk.state.decimal_comma

    def parse(text: str) -> Decimal:
        value = parse_amount(text, decimal_comma=comma)
        if abs(value) >= MAX_AMOUNT:
            raise ValueError(_("too large"))
        return value

    return chunk.parsed_series(name, parse, required=required)


#: The texts of the line numbers most orders have, taken instead of formatted per line.
_NUMBER_TEXTS = np.array([str(i) for i in range(4096)], dtype=object)


def _number_texts(numbers: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if not len(numbers) or int(numbers.max()) < len(_NUMBER_TEXTS):
        return _NUMBER_TEXTS.take(numbers)
    return numbers.astype(str).astype(object)


def _line_keys(
    orders: pd.Series,
    order_codes: tuple[np.ndarray[Any, Any], Any],
    line_ids: pd.Series | None,
    product: pd.Series,
    book: OrderBook,
) -> pd.Series:
    """``<order>#<line>``: the file's line number (``line_ids``, when the file has them),
    else the line's position among its order's lines in the file so far (counted across
    chunks in ``book``). ``order_codes``: each line's code among the chunk's order ids
    (-1: none) and each code's order id."""
    all_codes, uniques = order_codes
    present = all_codes >= 0
    keys = np.full(len(orders), None, dtype=object)
    if not present.any():
        return pd.Series(keys, index=orders.index, dtype=object, copy=False)
    codes = all_codes[present].astype(np.int64)
    order_names: list[str] = list(uniques)
    seen = book.lines
    before = np.fromiter(
        (seen.get(o, 0) for o in order_names), dtype=np.int64, count=len(order_names)
    )
    within = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1
    number = before[codes] + within
    counts = np.bincount(codes, minlength=len(order_names))
    for o, n in zip(order_names, (before + counts).tolist(), strict=True):
        seen[o] = n
    products = product.to_numpy(dtype=object)[present]
    has_product = product.notna().to_numpy()[present]
    if has_product.any():
        with_product = codes[has_product]
        found, at = np.unique(with_product, return_index=True)
        first = book.first_product
        for c, p in zip(found.tolist(), products[has_product][at].tolist(), strict=True):
            first.setdefault(order_names[c], p)
    line_text = _number_texts(number)
    if line_ids is not None:
        lines = line_ids.to_numpy(dtype=object)[present]
        line_text = np.where(pd.isna(lines), line_text, lines)
    keys[present] = orders.to_numpy(dtype=object)[present] + "#" + line_text.astype(object)
    return pd.Series(keys, index=orders.index, dtype=object, copy=False)


def validate_order_lines(chunk: Chunk, conn: Connection, book: OrderBook) -> pd.DataFrame:
    """The chunk as rows for ``order_lines`` (columns :data:`ORDER_LINE_COLUMNS`)."""
    columns = chunk.columns
    if not (columns.has("unit_price") or columns.has("amount")):
        raise InputError(
            _("The file has neither a unit price nor an amount column: map one of them.")
        )
    if not (columns.has("product") or columns.has("product_code")):
        raise InputError(_("The file has no product column: map one to product."))
    index = chunk.frame.index
    orders = chunk.text("order_id", max_length=90, required=True)
    if book.reader is not None:
        customers = _customers(chunk, book.reader, book)
    else:
        with book.lock:
            customers = _customers(chunk, conn, book)
    book.customer_pks.update(
        int(pk) for pk in customers.unique().tolist() if pk is not None and pk == pk
    )
    days = chunk.dates("date", required=True)
    code = chunk.text("product_code", max_length=100)
    product = chunk.text("product", max_length=200)
    product = product.where(product.notna(), code)
    chunk.fail(product.isna(), "product", _("a value is required"))
    quantity = _decimals(chunk, "quantity")
    quantity = quantity.where(quantity.notna(), Decimal(1))
    price = _decimals(chunk, "unit_price", required=not columns.has("amount"))
    given = _decimals(chunk, "amount", required=not columns.has("unit_price"))
    cost = _decimals(chunk, "cost")
    cancels = chunk.text("cancels", max_length=100)
    prefix = book.cancel_prefix
    order_codes, order_names = pd.factorize(orders.to_numpy(dtype=object))  # empty: -1
    if prefix:  # tested once per order; the last flag is the empty order's (code -1)
        flags = [name.startswith(prefix) for name in order_names.tolist()]
        is_cancel = np.array([*flags, False], dtype=bool)[order_codes]
    else:
        is_cancel = np.zeros(len(orders), dtype=bool)
    if is_cancel.any():  # a cancellation never adds goods: its quantities are negative
        q = quantity.to_numpy(dtype=object, copy=True)
        q[is_cancel] = [-abs(v) for v in q[is_cancel].tolist()]
        quantity = pd.Series(q, index=index, dtype=object, copy=False)
    amounts, big, whole = line_amounts(
        quantity,
        price,
        given,
        is_cancel,
        (chunk.codes["quantity"], chunk.codes["unit_price"]),
        (chunk.results["quantity"], chunk.results["unit_price"]),
        book.cents,
    )
    chunk.fail(pd.Series(big, index=index), "amount", _("quantity × unit price is too large"))
    if book.totals is not None:
        book.totals.add(
            (order_codes, order_names),
            customers,
            (chunk.codes["date"], chunk.results["date"]),
            whole,
            cost,
        )
    line_ids = chunk.text("line_id", max_length=9) if columns.has("line_id") else None
    key_series = _line_keys(orders, (order_codes, order_names), line_ids, product, book)
    chunk.unique_ids("order_id", key_series, kind="order line", count_normalised=False)
    return pd.DataFrame(
        {
            "external_id": key_series,
            "order_id": orders,
            "customer_id": customers,
            "ordered_on": days,
            "product": product,
            "product_code": code,
            "quantity": quantity,
            "unit_price": price,
            "amount": amounts,
            "cost": cost,
            "cancels": cancels,
        },
        index=index,
    )


def _link_cancellations(conn: Connection, prefix: str) -> int:
    """Name, in each cancellation line, the latest earlier order of the same customer with
    the same product (an order whose id does not start with ``prefix``)."""
    order = _LINES.alias("o")
    original = (
        select(order.c.order_id)
        .where(
            and_(
                order.c.customer_id == _LINES.c.customer_id,
                order.c.product == _LINES.c.product,
                order.c.product_code.is_not_distinct_from(_LINES.c.product_code),
                order.c.quantity > 0,
                order.c.ordered_on <= _LINES.c.ordered_on,
                ~order.c.order_id.startswith(prefix),
            )
        )
        .order_by(order.c.ordered_on.desc(), order.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    result = conn.execute(
        update(_LINES)
        .where(_LINES.c.order_id.startswith(prefix), _LINES.c.cancels.is_(None))
        .values(cancels=original)
    )
    return int(result.rowcount or 0)


def order_rows(conn: Connection, book: OrderBook) -> pd.DataFrame:
    """One purchase per order of this file, summed over all its stored lines (read on
    the driver's cursor: SQLAlchemy's row objects cost more than the sums)."""
    total = select(
        _LINES.c.order_id,
        func.min(_LINES.c.customer_id),
        func.min(_LINES.c.ordered_on),
        func.sum(_LINES.c.quantity),
        func.sum(_LINES.c.amount),
        func.sum(_LINES.c.cost),
        func.count(_LINES.c.cost),
    ).group_by(_LINES.c.order_id)
    sql = str(total.compile(dialect=conn.dialect))
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        found = cursor.fetchall()
    finally:
        cursor.close()
    wanted = book.lines
    first = book.first_product
    rows: list[tuple[Any, ...]] = []
    # SQLite sums NUMERIC columns as floats: rounded to the column's scale here (the
    # writer hands floats to SQLite anyway); PostgreSQL's sums are exact decimals.
    exact = conn.dialect.name != "sqlite"
    three, cent = Decimal("0.001"), _CENT
    for order_id, customer, day, qty, amount, cost, costs in found:
        if order_id not in wanted:
            continue
        if exact:
            qty, amount = Decimal(qty).quantize(three), Decimal(amount).quantize(cent)
            cost = Decimal(cost).quantize(cent) if costs else None
        else:
            qty, amount = round(float(qty), 3), round(float(amount), 2)
            cost = round(float(cost), 2) if costs else None
        if not isinstance(day, date):  # SQLite's text
            day = date.fromisoformat(str(day)[:10])
        rows.append(
            (order_id, int(customer), day, first.get(order_id, order_id)[:200], qty, amount, cost)
        )
    return pd.DataFrame(rows, columns=list(PURCHASE_COLUMNS), dtype=object)


def finish_orders(conn: Connection, state: ImportState, book: OrderBook, writer: Any) -> int:
    """After every line is written: link cancellations, then upsert one purchase per
    order. Returns the number of orders."""
    if book.cancel_prefix:
        _link_cancellations(conn, book.cancel_prefix)
    if book.totals is not None and book.totals.usable:
        frame = book.totals.rows(book.first_product, exact=conn.dialect.name != "sqlite")
    else:
        frame = order_rows(conn, book)
    if not frame.empty:
        writer.write(frame)
    return len(frame)
