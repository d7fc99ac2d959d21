"""Factories for management tests: customers and purchases written through the models."""

from __future__ import annotations

from datetime import date, timedelta
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


#: Overall satisfaction driven mostly by staff, less by product.
DRIVER_SURVEY: dict[str, Any] = {
    "code": "drivers",
    "title": {"en": "Drivers", "zh-CN": "驱动因素"},
    "pages": [
        {
            "questions": [
                {"code": code, "type": "satisfaction5", "text": {"en": code}}
                for code in ("STAFF", "PRODUCT", "OVERALL")
            ]
        }
    ],
}


def surveyed_company(store: Store, n: int = 200, seed: int = 5) -> None:
    """``n`` customers in regions north/south, each with one purchase and one answered
    survey; the less satisfied churned more often in 2026 (reason: staff indifference).
    Segment definition ``regions`` (rules on region) is saved and computed."""
    import numpy as np

    from cxm.customers.models import Customer
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute
    from cxm.surveys.invitations import resolve_link
    from cxm.surveys.responses import save_page
    from tests.survey_factories import wave_with_links

    rng = np.random.default_rng(seed)
    _wave, tokens = wave_with_links(store, customers=n, definition=DRIVER_SURVEY)
    with store.session() as s:
        for i, token in enumerate(tokens):
            staff, product = (int(v) for v in rng.integers(1, 6, 2))
            overall = int(np.clip(round(0.7 * staff + 0.3 * product + rng.normal(0, 0.4)), 1, 5))
            inv = resolve_link(s, token=token)
            save_page(
                s,
                token=token,
                page=0,
                raw={"STAFF": str(staff), "PRODUCT": str(product), "OVERALL": str(overall)},
            )
            c = s.get(Customer, inv.customer_id)
            assert c is not None
            c.acquired_on = date(2024, 1, 1)
            margin = 400.0 if c.region == "north" else 100.0
            add_purchase(s, c.id, f"P{i}", margin, date(2025, 11, 1))
            if rng.random() < 0.6 - 0.12 * overall:
                c.status = CustomerStatus.CHURNED
                c.churned_on = date(2026, 1, 1) + timedelta(days=int(rng.integers(0, 300)))
                c.churn_reason = ChurnReason.STAFF_INDIFFERENCE
    regions = {
        "segments": [
            {"name": r, "conditions": [{"field": "region", "op": "eq", "value": r}]}
            for r in ("north", "south")
        ]
    }
    with store.session() as s:
        define_segments(s, name="regions", kind="rule", parameters=regions)
        recompute(s, "regions")
