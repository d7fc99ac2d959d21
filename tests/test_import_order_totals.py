"""Order lines summed without a second pass: line amounts formed in integers agree with the
decimals' quantity × unit price rounded half up, and an import into an empty table, which
sums each order from the file while validating, stores the same purchases as one that
reads the sums back from the stored lines (issue 14's order-lines benchmark)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from cxm.customers.importing import ImportOptions, import_customers, import_orders
from cxm.customers.importing.order_amounts import Cents, line_amounts
from cxm.customers.models import Customer, Purchase
from cxm.store import Store

_TEXTS = st.sampled_from(
    ["1", "2", "-3", "0", "-0", "1.5", "0.001", "12", "1.2345", "7.000", "", "100000000"]
)
_PRICES = st.sampled_from(
    ["0.3", "19.99", "0", "-2.5", "0.0001", "0.005", "1.23456", "-0", "3", "0.125", "12.50"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_TEXTS, _PRICES, st.booleans()), min_size=1, max_size=40),
)
def test_line_amounts_are_the_decimals_product_rounded_half_up(
    lines: list[tuple[str, str, bool]],
) -> None:
    q_texts, p_texts, cancels = zip(*lines, strict=True)
    q_codes, q_uniques = pd.factorize(np.array(q_texts, dtype=object))
    p_codes, p_uniques = pd.factorize(np.array(p_texts, dtype=object))
    q_values = np.array([Decimal(t) if t else None for t in q_uniques], dtype=object)
    p_values = np.array([Decimal(t) if t else None for t in p_uniques], dtype=object)
    is_cancel = np.array(cancels, dtype=bool)
    quantity = [q_values[c] if q_values[c] is not None else Decimal(1) for c in q_codes]
    quantity = [-abs(q) if cancel else q for q, cancel in zip(quantity, cancels, strict=True)]
    price = pd.Series([p_values[c] for c in p_codes], dtype=object)
    amounts, too_large, whole = line_amounts(
        pd.Series(quantity, dtype=object),
        price,
        pd.Series([None] * len(lines), dtype=object),
        is_cancel,
        (q_codes, p_codes),
        (q_values, p_values),
        Cents(),
    )
    for i, (q, p) in enumerate(zip(quantity, price.tolist(), strict=True)):
        want = (q * p).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert str(amounts[i]) == str(want)  # signed zeros too
        assert too_large[i] == (abs(want) >= Decimal("1e12"))
        if whole is not None:
            assert whole.cents[i] == int(want * 100)
            assert whole.quantity[i] == int(q * 1000)


def _purchases(store: Store) -> list[tuple[object, ...]]:
    with store.session() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Purchase.external_id,
                    Customer.external_id,
                    Purchase.purchased_on,
                    Purchase.product,
                    Purchase.quantity,
                    Purchase.revenue,
                    Purchase.cost,
                )
                .join(Customer, Customer.id == Purchase.customer_id)
                .order_by(Purchase.external_id)
            ).all()
        ]


def test_sums_from_the_file_are_the_sums_of_the_stored_lines(store: Store, tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id\n17850\n13047\n12000\n", encoding="utf-8")
    import_customers(store, customers)
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    rows = [
        # an order spread over chunks, in two days and two customers, out of order
        "536370,A1,ALPHA,6,12/2/2010 9:00,2.55,17850,UK",
        "536365,B2,BETA,3,12/1/2010 8:26,0.0005,13047,UK",
        "536370,B2,BETA,-1,12/1/2010 9:00,2.55,13047,UK",
        "536365,C3,GAMMA,12,12/1/2010 8:26,1.2345,13047,UK",
        "C536380,A1,ALPHA,2,12/3/2010 10:00,2.55,17850,UK",
        "C536380,A1,ALPHA,0,12/3/2010 10:00,2.55,17850,UK",
        "536370,C3,GAMMA,1.5,12/2/2010 9:00,19.99,12000,UK",
        "536381,D4,DELTA,1,12/4/2010 11:00,0,12000,UK",
        "536382,D4,DELTA,-0.004,12/4/2010 11:00,0.3,12000,UK",
    ]
    path = tmp_path / "Online Retail.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    options = ImportOptions(preset="uci-online-retail")
    first = import_orders(store, path, options=options, chunk_rows=2)  # summed from the file
    assert (first.inserted, first.orders) == (len(rows), 5)
    from_file = _purchases(store)
    with store.session() as s:
        s.execute(delete(Purchase))
        s.commit()
    again = import_orders(store, path, options=options, chunk_rows=2)  # read back
    assert (again.unchanged, again.orders) == (len(rows), 5)
    assert _purchases(store) == from_file
    assert from_file[0][:6] == (
        "536365",
        "13047",
        date(2010, 12, 1),
        "BETA",
        Decimal("15.000"),
        Decimal("14.81"),
    )
