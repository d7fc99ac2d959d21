"""Segmentation analytics: Pareto tiers, RFM scores, rule segments and their bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.segmentation import (
    Condition,
    RuleSegment,
    assign_rule_segments,
    pareto_tiers,
    profit_per_customer,
    rfm_scores,
    segment_summary,
)
from cxm.errors import InputError, ValidationFailed


def _profit(n: int = 1000) -> pd.Series:
    # Pareto with shape log(5)/log(4) ≈ 1.16 is the distribution whose top 20 % hold 80 %.
    rng = np.random.default_rng(1)
    return pd.Series(rng.pareto(1.16, n) + 1, index=np.arange(1, n + 1), name="profit")


def test_it_puts_the_top_fifth_into_key_accounts() -> None:
    profit = _profit()
    tiers = pareto_tiers(profit)
    key = tiers[tiers["tier"] == "key"]
    assert len(key) == 200
    assert key["profit"].min() >= tiers.loc[tiers["tier"] == "other", "profit"].max()
    assert (tiers.sort_values("rank")["rank"].to_numpy() == np.arange(1, 1001)).all()


def test_it_splits_into_three_tiers_with_custom_cut_points() -> None:
    tiers = pareto_tiers(_profit(), cuts=(0.05, 0.3), labels=("a", "b", "c"))
    assert tiers["tier"].value_counts().to_dict() == {"c": 700, "b": 250, "a": 50}


@pytest.mark.parametrize(
    ("cuts", "labels", "match"),
    [
        ((0.5, 0.2), ("a", "b", "c"), "increasing order"),
        ((0.2, 0.2), ("a", "b", "c"), "increasing order"),
        ((1.2,), ("a", "b"), "between 0 and 1"),
        ((0.2,), ("a",), "distinct tier labels"),
        ((0.2,), ("a", "a"), "distinct tier labels"),
    ],
)
def test_it_rejects_bad_cut_points(
    cuts: tuple[float, ...], labels: tuple[str, ...], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        pareto_tiers(_profit(), cuts=cuts, labels=labels)


def test_profit_counts_a_missing_cost_as_zero_and_respects_the_period() -> None:
    purchases = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "purchased_on": pd.to_datetime(
                ["2025-01-05", "2025-06-01", "2025-02-01", "2024-12-31"]
            ),
            "revenue": [100.0, 50.0, 30.0, 999.0],
            "cost": [60.0, None, 10.0, 0.0],
        }
    )
    p = profit_per_customer(purchases, start="2025-01-01", end="2026-01-01")
    assert p.to_dict() == {1: 90.0, 2: 20.0}


def test_rfm_scores_rank_recent_frequent_big_spenders_highest() -> None:
    # customer c buys c times, last purchase c days before as_of
    rows = [
        (c, pd.Timestamp("2025-12-31") - pd.Timedelta(days=100 - 10 * c + k), 10.0 * c)
        for c in range(1, 11)
        for k in range(c)
    ]
    purchases = pd.DataFrame(rows, columns=["customer_id", "purchased_on", "revenue"])
    rfm = rfm_scores(purchases, as_of="2025-12-31").set_index("customer_id")
    assert rfm.loc[10, "cell"] == "555"
    assert rfm.loc[1, "cell"] == "111"
    assert rfm["r"].value_counts().to_dict() == dict.fromkeys(range(1, 6), 2)
    assert rfm.loc[10, "frequency"] == 10 and rfm.loc[10, "monetary"] == 1000.0


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "region": ["north", "south", "north", None],
            "channel": ["web", "store", "store", "web"],
            "attributes": [{"vip": 3}, {"vip": 1}, {}, {"vip": 5}],
        }
    )


def test_rule_segments_read_json_attributes() -> None:
    segs = [
        RuleSegment("vip", (Condition("attributes.vip", "ge", 3),)),
        RuleSegment(
            "north store", (Condition("region", "eq", "north"), Condition("channel", "eq", "store"))
        ),
    ]
    out = assign_rule_segments(_customers(), segs, default="rest")
    assert dict(zip(out["customer_id"], out["segment"], strict=True)) == {
        1: "vip",
        4: "vip",
        3: "north store",
        2: "rest",
    }


def test_it_rejects_overlapping_exclusive_segments_naming_the_customer() -> None:
    segs = [
        RuleSegment("north", (Condition("region", "eq", "north"),)),
        RuleSegment("web", (Condition("channel", "eq", "web"),)),
    ]
    with pytest.raises(ValidationFailed) as info:
        assign_rule_segments(_customers(), segs)
    assert info.value.problems[0].value == "1"
    assert "north, web" in info.value.problems[0].reason
    overlapping = assign_rule_segments(_customers(), segs, exclusive=False)
    assert len(overlapping) == 4


def test_it_rejects_unknown_fields_and_operators() -> None:
    with pytest.raises(InputError, match="Unknown customer field"):
        assign_rule_segments(_customers(), [RuleSegment("x", (Condition("colour", "eq", 1),))])
    with pytest.raises(InputError, match="Unknown operator"):
        Condition("region", "like", "n%")
    with pytest.raises(InputError, match="needs a list"):
        Condition("region", "in", "north")


def test_an_empty_segment_is_reported_as_no_data() -> None:
    segs = [RuleSegment("east", (Condition("region", "eq", "east"),))]
    members = assign_rule_segments(_customers(), segs, default="rest")
    summary = segment_summary(
        members, pd.Series({1: 10.0, 2: 5.0, 3: 5.0, 4: 0.0}), segments=["east", "rest"]
    )
    east = summary.set_index("segment").loc["east"]
    assert east["customers"] == 0 and east["status"] == "no data"
    assert np.isnan(east["profit"])
    rest = summary.set_index("segment").loc["rest"]
    assert rest["share_profit"] == pytest.approx(1.0) and rest["share_customers"] == 1.0
