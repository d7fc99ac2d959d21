"""Targets in the store (SQLite and PostgreSQL): set with scale checks, proposed from value,
and reported per wave against real survey answers — a gap inside the Wilson interval
(statsmodels ``proportion_confint(method="wilson")`` as the reference) is not a miss."""

from __future__ import annotations

import json
from datetime import date

import pytest
from statsmodels.stats.proportion import proportion_confint

from cxm.errors import InputError
from cxm.management.definitions import define_segments
from cxm.management.segments import recompute
from cxm.management.targets import propose, report, set_target
from cxm.store import Store
from cxm.surveys.invitations import resolve_link
from cxm.surveys.responses import save_page
from tests.management_factories import add_purchase
from tests.survey_factories import ONE_PAGE, wave_with_links

REGIONS = {
    "segments": [
        {"name": "north", "conditions": [{"field": "region", "op": "eq", "value": "north"}]},
        {"name": "south", "conditions": [{"field": "region", "op": "eq", "value": "south"}]},
    ]
}


def _answered_wave(store: Store) -> int:
    """60 customers, half north (all answer 5), half south (21 of 30 answer 4 or 5)."""
    wave_id, tokens = wave_with_links(store, customers=60, definition=ONE_PAGE)
    with store.session() as s:
        define_segments(s, name="regions", kind="rule", parameters=REGIONS)
        recompute(s, "regions")
    south_seen = 0
    with store.session() as s:
        for token in tokens:
            inv = resolve_link(s, token=token)
            from cxm.customers.models import Customer

            customer = s.get(Customer, inv.customer_id)
            assert customer is not None
            if customer.region == "north":
                sat = "5"
                add_purchase(s, customer.id, f"P{customer.id}", 500.0, date(2026, 1, 5))
            else:
                sat = "4" if south_seen < 21 else "2"
                south_seen += 1
            save_page(s, token=token, page=0, raw={"SAT": sat, "NPS": "8"})
    return wave_id


def test_a_gap_inside_the_interval_is_within_uncertainty_not_a_miss(store: Store) -> None:
    _answered_wave(store)
    with store.session() as s:
        set_target(s, "regions", segment="north", kpi="csat", value=0.9, set_by="alice")
        set_target(s, "regions", segment="south", kpi="csat", value=0.8, set_by="alice")
    with store.session() as s:
        out = report(s, "regions", items=["SAT"]).set_index("segment")
    assert out.loc["north", "value"] == 1.0 and out.loc["north", "status"] == "met"
    south = out.loc["south"]
    lo, hi = proportion_confint(21, 30, method="wilson")  # statsmodels reference
    assert south["value"] == pytest.approx(0.7)
    assert (south["ci_low"], south["ci_high"]) == pytest.approx((lo, hi))
    assert south["status"] == "within uncertainty"
    with store.session() as s:
        set_target(s, "regions", segment="south", kpi="csat", value=0.95)
        strict = report(s, "regions", items=["SAT"]).set_index("segment")
        few = report(s, "regions", items=["SAT"], min_n=40).set_index("segment")
    assert strict.loc["south", "status"] == "missed"
    assert (few["status"] == "too few answers").all()


def test_proposed_targets_ask_more_of_the_valuable_segment(store: Store) -> None:
    _answered_wave(store)
    with store.session() as s:
        proposal = propose(s, "regions", "csat", items=["SAT"])
    out = proposal.table.set_index("segment")
    assert proposal.current == pytest.approx((30 + 21) / 60)
    # headroom: the 10-point step, at most half the 15 points left to 100 %
    assert out.loc["north", "target"] == pytest.approx(0.85 + 0.075)
    assert out.loc["south", "target"] == pytest.approx(0.85)
    assert out.loc["north", "service_level"] == "premium"


def test_targets_outside_the_scale_or_segment_are_refused(store: Store) -> None:
    _answered_wave(store)
    with pytest.raises(InputError, match="outside its scale"), store.session() as s:
        set_target(s, "regions", segment="north", kpi="csat", value=1.5)
    with pytest.raises(InputError, match="has no segment west"), store.session() as s:
        set_target(s, "regions", segment="west", kpi="csat", value=0.5)
    with pytest.raises(InputError, match="Unknown KPI"), store.session() as s:
        set_target(s, "regions", segment="north", kpi="joy", value=0.5)


def test_the_cli_sets_and_reports_targets(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _answered_wave(store)
    r = cxm("targets", "set", "regions", "south", "--kpi", "csat", "--value", "0.8", "--by", "bob")
    assert r.exit_code == 0, r.stderr
    out = json.loads(cxm("targets", "report", "regions", "--item", "SAT", "--json").stdout)
    rows = {row["segment"]: row for row in out["rows"]}
    assert rows["south"]["status"] == "within uncertainty"
    assert rows["north"]["status"] == "no target"
    bad = cxm("targets", "set", "regions", "south", "--kpi", "nps", "--value", "150")
    assert bad.exit_code == 1 and "outside its scale" in bad.stderr
