"""The demo teaches the documents' paradox from behaviour: customers who buy through dealers
are over 90 % satisfied, yet under 30 % buy again within 180 days of answering."""

from __future__ import annotations

import pytest

from cxm.demo import STEPS, run_demo
from cxm.demo.truth import PARADOX_CHANNEL
from cxm.store import Store


@pytest.mark.slow
def test_the_demo_shows_satisfied_customers_who_do_not_come_back(store: Store) -> None:
    steps = tuple(s for s in STEPS if s.name in ("company", "survey_waves", "behaviour"))
    summary = run_demo(store, customers=4000, seed=7, steps=steps)
    shown = summary.steps["behaviour"]["by_channel"]
    dealer = shown.pop(PARADOX_CHANNEL)
    assert dealer["satisfied"] > 0.90 and dealer["came_back"] < 0.30
    for other in shown.values():
        assert other["satisfied"] < 0.90 and other["came_back"] > 0.40
    from cxm.management.loyalty_behaviour import behaviour_by_segment

    with store.session() as s:
        table = behaviour_by_segment(s, name="channel").table.set_index("segment")
    assert (
        table.loc[PARADOX_CHANNEL, "repurchase_rate"]
        < table["repurchase_rate"].drop(PARADOX_CHANNEL).min()
    )
