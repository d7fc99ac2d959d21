"""Validate chunks of a purchases file (one row per purchase of a known customer)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection

from cxm.customers.importing.checks import Chunk
from cxm.customers.importing.columns import ColumnMap
from cxm.customers.importing.rows import amounts, customer_keys, row_keys

__all__ = ["PURCHASE_COLUMNS", "purchase_update_columns", "validate_purchases"]

PURCHASE_COLUMNS = (
    "external_id",
    "customer_id",
    "purchased_on",
    "product",
    "quantity",
    "revenue",
    "cost",
)
_PURCHASE_FIELD_COLUMN = {
    "customer_id": "customer_id",
    "date": "purchased_on",
    "product": "product",
    "quantity": "quantity",
    "revenue": "revenue",
    "cost": "cost",
}


def purchase_update_columns(columns: ColumnMap) -> list[str]:
    if not columns.has("order_id"):
        return []  # the content is the key: a row with the same key has the same content
    return sorted({c for f, c in _PURCHASE_FIELD_COLUMN.items() if columns.has(f)})


def validate_purchases(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    customer_ids, customers = customer_keys(chunk, conn)
    days = chunk.dates("date", required=True)
    product = chunk.text("product", max_length=200, required=True)
    quantity = amounts(chunk, "quantity", required=False, negative_ok=False)
    quantity = quantity.where(quantity.notna(), Decimal(1))
    revenue = amounts(chunk, "revenue", required=True, negative_ok=True)
    cost = amounts(chunk, "cost", required=False, negative_ok=True)
    keys = row_keys(
        chunk,
        "order_id",
        "purchase",
        [customer_ids, days, product, quantity, revenue, cost],
    )
    return pd.DataFrame(
        {
            "external_id": keys,
            "customer_id": customers,
            "purchased_on": days,
            "product": product,
            "quantity": quantity,
            "revenue": revenue,
            "cost": cost,
        },
        index=chunk.frame.index,
    )
