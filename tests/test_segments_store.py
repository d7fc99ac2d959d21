"""Segment definitions and memberships kept in the store (SQLite and PostgreSQL): Pareto
tiers, rules on JSON attributes, recomputing that keeps who was in which segment when, and
bad definitions rejected with nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cxm.errors import InputError, NotFound, ValidationFailed
from cxm.management.definitions import define_segments
from cxm.management.models import SegmentMembership
from cxm.management.segments import members, members_at_each, recompute, summary
from cxm.store import Store
from tests.management_factories import add_customer, add_purchase

T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 2, 1, tzinfo=UTC)


def _ten(store: Store) -> list[int]:
    return [
        add_customer(
            store,
            f"C{i}",
            profit=float(i),
            region="north" if i % 2 else "south",
            attributes={"vip": i >= 8},
        )
        for i in range(1, 11)
    ]


def test_pareto_tiers_are_saved_and_summarised(store: Store) -> None:
    ids = _ten(store)
    with store.session() as s:
        define_segments(s, name="value", kind="pareto")
    with store.session() as s:
        r = recompute(s, "value", now=T1)
    assert (r.customers, r.started, r.ended) == (10, 10, 0)
    table = r.summary.set_index("segment")
    assert table.loc["key", "customers"] == 2
    assert table.loc["key", "share_profit"] == pytest.approx((9 + 10) / 55)
    with store.session() as s:
        key = set(members(s, "value").query("segment == 'key'")["customer_id"])
    assert key == {ids[8], ids[9]}


def test_recompute_keeps_who_was_in_which_segment_when(store: Store) -> None:
    ids = _ten(store)
    with store.session() as s:
        define_segments(s, name="value", kind="pareto")
        recompute(s, "value", now=T1)
    with store.session() as s:  # customer 1 becomes the most profitable
        add_purchase(s, ids[0], "C1-2", 100.0, date(2025, 7, 1))
    with store.session() as s:
        r = recompute(s, "value", now=T2)
    assert (r.started, r.ended) == (2, 2)  # C1 joins key, C9 leaves it: two rows each way
    with store.session() as s:
        before = members(s, "value", at=datetime(2026, 1, 15, tzinfo=UTC))
        now = members(s, "value")
        total = s.scalar(select(func.count()).select_from(SegmentMembership))
    assert set(before.query("segment == 'key'")["customer_id"]) == {ids[8], ids[9]}
    assert set(now.query("segment == 'key'")["customer_id"]) == {ids[0], ids[9]}
    assert total == 12
    with store.session() as s:
        again = recompute(s, "value")
    assert (again.started, again.ended) == (0, 0)


def test_members_at_several_moments_from_one_read_equal_each_read_alone(store: Store) -> None:
    ids = _ten(store)
    with store.session() as s:
        define_segments(s, name="value", kind="pareto")
        recompute(s, "value", now=T1)
    with store.session() as s:
        add_purchase(s, ids[0], "C1-2", 100.0, date(2025, 7, 1))
    with store.session() as s:
        recompute(s, "value", now=T2)
    moments = (
        datetime(2025, 12, 31),  # before any membership (a naive time is UTC)
        T1,  # the first recompute's own instant
        date(2026, 1, 15),
        T2,
        datetime(2026, 3, 1, 23, 59, 59, 999999),
    )
    with store.session() as s:
        current, at_each = members_at_each(s, "value", moments)
        alone = [members(s, "value", at=m) for m in moments]
        now = members(s, "value")

    def rows(df):  # type: ignore[no-untyped-def]
        return sorted(df[["customer_id", "segment"]].itertuples(index=False, name=None))

    assert rows(current) == rows(now)
    assert [rows(a) for a in at_each] == [rows(a) for a in alone]
    assert at_each[0].empty and len(at_each[1]) == 10
    assert {c for c, seg in rows(at_each[2]) if seg == "key"} == {ids[8], ids[9]}
    assert {c for c, seg in rows(at_each[4]) if seg == "key"} == {ids[0], ids[9]}


def test_rule_segments_read_json_attributes_and_report_empty_ones(store: Store) -> None:
    _ten(store)
    rules = {
        "segments": [
            {"name": "vip", "conditions": [{"field": "attributes.vip", "op": "eq", "value": True}]},
            {"name": "east", "conditions": [{"field": "region", "op": "eq", "value": "east"}]},
        ],
        "default": "rest",
    }
    with store.session() as s:
        define_segments(s, name="rules", kind="rule", parameters=rules)
        recompute(s, "rules")
    with store.session() as s:
        table = summary(s, "rules").set_index("segment")
    assert table.loc["vip", "customers"] == 3
    assert table.loc["east", "status"] == "no data"
    assert table.loc["rest", "customers"] == 7


def test_overlapping_exclusive_rules_change_nothing(store: Store) -> None:
    _ten(store)
    rules = {
        "segments": [
            {"name": "north", "conditions": [{"field": "region", "op": "eq", "value": "north"}]},
            {"name": "vip", "conditions": [{"field": "attributes.vip", "op": "eq", "value": True}]},
        ]
    }
    with store.session() as s:
        define_segments(s, name="rules", kind="rule", parameters=rules)
    with (
        pytest.raises(ValidationFailed, match="more than one exclusive segment"),
        store.session() as s,
    ):
        recompute(s, "rules")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SegmentMembership)) == 0
        define_segments(
            s, name="rules", kind="rule", parameters=rules, exclusive=False, replace=True
        )
        r = recompute(s, "rules")
    assert r.started == 5 + 3  # 5 in north and 3 vip rows; customer 9 is in both


@pytest.mark.parametrize(
    ("kind", "params", "match"),
    [
        ("pareto", {"cuts": [0.5, 0.2], "labels": ["a", "b", "c"]}, "increasing order"),
        ("pareto", {"cuts": [0.2], "labels": ["a"]}, "distinct tier labels"),
        ("pareto", {"start": "2026-02-01", "end": "2026-01-01"}, "ends before it starts"),
        ("pareto", {"start": "yesterday"}, "YYYY-MM-DD"),
        ("rule", {"segments": []}, "non-empty list"),
        (
            "rule",
            {"segments": [{"name": "x", "conditions": [{"field": "a", "op": "like"}]}]},
            "Unknown operator",
        ),
        ("rfm", {"bins": 1}, "between 2 and 10"),
        ("cluster", {}, "pareto, rfm or rule"),
    ],
)
def test_bad_definitions_are_refused(store: Store, kind: str, params: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=match), store.session() as s:
        define_segments(s, name="bad", kind=kind, parameters=params)


def test_names_are_unique_unless_replaced_and_unknown_names_are_not_found(store: Store) -> None:
    with store.session() as s:
        define_segments(s, name="value", kind="pareto")
    with pytest.raises(InputError, match="--replace"), store.session() as s:
        define_segments(s, name="value", kind="pareto")
    with pytest.raises(NotFound, match="No segment definition named nope"), store.session() as s:
        recompute(s, "nope")


def test_the_cli_defines_recomputes_and_shows_segments(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    _ten(store)
    assert (
        cxm(
            "segments",
            "define",
            "value",
            "--kind",
            "pareto",
            "--cuts",
            "0.2,0.5",
            "--labels",
            "a,b,c",
        ).exit_code
        == 0
    )
    r = cxm("segments", "recompute", "value", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [s["customers"] for s in data["segments"]] == [2, 3, 5]
    shown = json.loads(cxm("segments", "show", "value", "--json").stdout)
    assert shown["segments"] == data["segments"]
    listed = json.loads(cxm("segments", "list", "--json").stdout)
    assert listed[0]["parameters"]["labels"] == ["a", "b", "c"]
    bad = cxm("segments", "define", "v2", "--cuts", "0.5,0.2", "--labels", "a,b,c")
    assert bad.exit_code == 1
    assert "increasing order" in bad.stderr and "Traceback" not in bad.stderr
    zh = cxm("segments", "define", "v3", "--cuts", "1.5", lang="zh-CN")
    assert "分割点" in zh.stderr
