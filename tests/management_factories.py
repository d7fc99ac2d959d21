"""Factories for management tests: customers and purchases written through the models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cxm.customers.codes import ChurnReason, CustomerStatus
from cxm.customers.models import Customer, Purchase
from cxm.store import Store


def add_customer(
    store: Store,
    key: str,
    *,
    profit: float = 0.0,
    region: str | None = None,
    attributes: dict[str, Any] | None = None,
    acquired_on: date | None = date(2024, 1, 1),
    churned_on: date | None = None,
    reason: ChurnReason | None = None,
    bought_on: date = date(2025, 6, 1),
) -> int:
    """One customer with one purchase worth ``profit`` (revenue 2×profit, cost profit)."""
    with store.session() as s:
        c = Customer(
            external_id=key,
            region=region,
            attributes=attributes or {},
            acquired_on=acquired_on,
            status=CustomerStatus.CHURNED if churned_on else CustomerStatus.ACTIVE,
            churned_on=churned_on,
            churn_reason=reason,
        )
        s.add(c)
        s.flush()
        if profit:
            add_purchase(s, c.id, f"{key}-1", profit, bought_on)
        return c.id


def add_purchase(s: Any, customer_id: int, key: str, profit: float, on: date) -> None:
    s.add(
        Purchase(
            external_id=key,
            customer_id=customer_id,
            purchased_on=on,
            product="widget",
            quantity=Decimal(1),
            revenue=Decimal(str(round(2 * profit, 2))),
            cost=Decimal(str(round(profit, 2))),
        )
    )
