"""Rising customers: outside the key tier, but growing like a key account — planted ones
are found with their evidence, steady small customers are not."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from cxm.errors import InputError
from cxm.management.definitions import define_segments
from cxm.management.rising import rising_customers
from cxm.management.segments import recompute
from cxm.store import Store
from tests.management_factories import add_customer, add_purchase

START = date(2024, 1, 1)


def _company(store: Store) -> list[int]:
    """12 key accounts buying for about 100 every month; 45 small customers buying for about
    10 every quarter; 3 small customers who, in the last five months, buy for about 80
    twice a month."""
    rng = np.random.default_rng(2)
    risers = []
    for i in range(60):
        cid = add_customer(store, f"K{i}", acquired_on=START)
        with store.session() as s:
            if i < 12:
                for m in range(24):
                    add_purchase(
                        s,
                        cid,
                        f"K{i}-{m}",
                        100 * rng.uniform(0.6, 1.4),
                        START + timedelta(days=30 * m + i),
                    )
            else:
                for q in range(8):
                    add_purchase(
                        s,
                        cid,
                        f"K{i}-q{q}",
                        10 * rng.uniform(0.5, 1.5),
                        START + timedelta(days=90 * q + i),
                    )
            if i >= 57:
                risers.append(cid)
                for k in range(10):
                    day = date(2025, 8, 1) + timedelta(days=15 * k)
                    add_purchase(s, cid, f"K{i}-r{k}", 80 * rng.uniform(0.7, 1.3), day)
    with store.session() as s:
        define_segments(s, name="value", kind="pareto", parameters={"cuts": [0.2]})
        recompute(s, "value")
    return risers


def test_planted_risers_are_found_and_steady_customers_are_not(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    risers = _company(store)
    with store.session() as s:
        found = rising_customers(s, "value", top_segment="key").table
    assert sorted(found["customer_id"]) == sorted(risers)
    assert (found["segment"] == "other").all()
    assert (found["growth"] > 0.5).all()
    assert set(found["evidence"]) <= {"spend growth", "predicted value and growth"}
    out = json.loads(cxm("rising", "--segments", "value", "--top-segment", "key", "--json").stdout)
    assert sorted(c["customer_id"] for c in out["customers"]) == sorted(risers)
    assert out["candidates"] == 48
    with store.session() as s, pytest.raises(InputError, match="Segment vip is not in value"):
        rising_customers(s, "value", top_segment="vip")
