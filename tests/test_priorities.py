"""One costed fix-first list: the same in `cxm invest`, the report and its JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from cxm.errors import InputError
from cxm.management.priorities import priority_list
from cxm.store import Store

pytestmark = pytest.mark.slow  # answers a few hundred surveys through the service

SURVEY: dict[str, Any] = {
    "code": "service",
    "title": {"en": "Service", "zh-CN": "服务"},
    "pages": [
        {
            "questions": [
                {
                    "code": "PERQ1",
                    "type": "satisfaction5",
                    "dimension": "people",
                    "text": {"en": "Staff were helpful"},
                },
                {
                    "code": "PERQ2",
                    "type": "satisfaction5",
                    "dimension": "process",
                    "text": {"en": "Delivery was on time"},
                },
                {
                    "code": "CUSA1",
                    "type": "satisfaction5",
                    "construct": "satisfaction",
                    "text": {"en": "Overall"},
                },
            ]
        }
    ],
}


def _company(store: Store, n: int = 240, seed: int = 8) -> None:
    from cxm.customers.codes import ChurnReason, CustomerStatus
    from cxm.customers.models import Customer
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute
    from cxm.surveys.invitations import resolve_link
    from cxm.surveys.responses import save_page
    from tests.management_factories import add_purchase
    from tests.survey_factories import wave_with_links

    rng = np.random.default_rng(seed)
    _wave, tokens = wave_with_links(store, customers=n, definition=SURVEY)
    with store.session() as s:
        for i, token in enumerate(tokens):
            staff, delivery = (int(v) for v in rng.integers(1, 6, 2))
            overall = int(np.clip(round(0.7 * staff + 0.3 * delivery + rng.normal(0, 0.4)), 1, 5))
            inv = resolve_link(s, token=token)
            raw = {"PERQ1": str(staff), "PERQ2": str(delivery), "CUSA1": str(overall)}
            save_page(s, token=token, page=0, raw=raw)
            c = s.get(Customer, inv.customer_id)
            assert c is not None
            c.acquired_on = date(2024, 1, 1)
            add_purchase(
                s, c.id, f"P{i}", 400.0 if c.region == "north" else 100.0, date(2025, 11, 1)
            )
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


def test_the_fix_first_list_is_one_list_everywhere(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _company(store)
    cli = json.loads(cxm("invest", "--segments", "regions", "--json").stdout)
    report = json.loads(cxm("report", "--json").stdout)
    ranked = report["retention"]["invest"]["ranking"]
    keys = ["rank", "segment", "driver", "value_kept", "net_value"]
    assert [[r[k] for k in keys] for r in cli["items"]] == [[r[k] for k in keys] for r in ranked]
    top = cli["items"][0]
    assert top["label"] == "Staff were helpful" and top["driver"] == "PERQ1"
    assert top["segment"] == "north"  # four times the margin
    assert report["drivers"]["fix_first"][0]["driver"] == "PERQ1"
    assert cli["units"]["value_kept"].startswith("currency")
    human = cxm("invest", "--segments", "regions")
    assert human.exit_code == 0 and "Staff" in human.stdout  # the label, maybe wrapped


def test_costs_reorder_the_list_and_are_checked(store: Store) -> None:
    _company(store)
    with store.session() as s:
        free = priority_list(s, "regions")
        first = free.items.iloc[0]
        assert (free.items["cost_status"] == "cost not given").all()
        # Make the first improvement dearer than what it keeps: it drops down the list.
        per_point = float(first["value_kept"]) / (first["gain_points"] * first["customers"]) * 2
        costed = priority_list(s, "regions", costs={str(first["driver"]): per_point})
        moved = costed.items.set_index(["segment", "driver"]).loc[
            (first["segment"], first["driver"])
        ]
        assert moved["cost_status"] == "costed"
        assert moved["net_value"] == pytest.approx(-float(first["value_kept"]))
        assert moved["rank"] > 1 and moved["budget_share"] == 0
        with pytest.raises(InputError, match="not drivers here"):
            priority_list(s, "regions", costs={"NOPE": 1.0})
        with pytest.raises(InputError, match="must be a number ≥ 0"):
            priority_list(s, "regions", costs={"PERQ1": -3.0})
