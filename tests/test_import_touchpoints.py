"""Importing touchpoints: stages in English or Chinese, teams and employees created."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.customers.codes import JourneyStage
from cxm.customers.importing import import_customers, import_touchpoints
from cxm.customers.models import Employee, Team, Touchpoint
from cxm.errors import ValidationFailed
from cxm.store import Store

TOUCHPOINTS = (
    "客户编号,时间,渠道,环节,员工编号,员工姓名,团队,备注\n"
    "C001,2024-02-01 10:00,门店,售前,E1,王五,一组,咨询价格\n"
    "C001,2024-02-02T10:00:00+08:00,电话,投诉,E2,赵六,二组,\n"
    "C001,2024-02-03,电话,after_sale,E1,,,\n"
)


@pytest.fixture
def customers(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id\nC001\n", encoding="utf-8")
    import_customers(store, path)
    return store


def test_it_imports_touchpoints_and_creates_teams_and_employees(
    customers: Store, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(TOUCHPOINTS, encoding="utf-8")
    assert import_touchpoints(customers, path).inserted == 3
    with customers.session() as s:
        teams = {t.id: t.name for t in s.scalars(select(Team))}
        staff = {
            e.external_id: (e.name, teams[e.team_id or 0]) for e in s.scalars(select(Employee))
        }
        rows = list(s.scalars(select(Touchpoint).order_by(Touchpoint.occurred_at)))
    assert staff == {"E1": ("王五", "一组"), "E2": ("赵六", "二组")}
    assert [r.stage for r in rows] == [
        JourneyStage.PRE_SALE,
        JourneyStage.COMPLAINT,
        JourneyStage.AFTER_SALE,
    ]
    assert rows[1].occurred_at.astimezone(UTC) == datetime(2024, 2, 2, 2, 0, tzinfo=UTC)
    assert teams[rows[2].team_id or 0] == "一组"  # the employee's team
    assert rows[0].note == "咨询价格"
    again = import_touchpoints(customers, path)
    assert (again.inserted, again.unchanged) == (0, 3)


def test_bad_touchpoints_are_reported(customers: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "customer_id,occurred_at,stage\nC001,2024-02-01,閒聊\nC404,2024-02-01,sale\n"
        "C001,someday,sale\nC001,2124-01-01,sale\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_touchpoints(customers, path)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (1, "stage"),
        (2, "customer_id"),
        (3, "occurred_at"),
        (4, "occurred_at"),
    ]
    with customers.session() as s:
        assert s.scalars(select(Touchpoint)).all() == []
        assert s.scalars(select(Team)).all() == []


def test_stages_are_read_against_the_active_journey(customers: Store, tmp_path: Path) -> None:
    """With the bank journey active, its own codes and labels are stages (咨询 is its
    consultation, not the default pre-sale) and the default-only codes are refused,
    naming the bank's codes."""
    from cxm.journey import load_journey, shipped

    with customers.session() as s:
        load_journey(s, shipped("bank"), source="bank.yaml")
        s.commit()
    path = tmp_path / "t.csv"
    path.write_text(
        "customer_id,occurred_at,stage\n"
        "C001,2024-02-01,开户\nC001,2024-02-02,咨询\nC001,2024-02-03,Account Opening\n"
        "C001,2024-02-04,投诉\nC001,2024-02-05,cross-sell\n",
        encoding="utf-8",
    )
    assert import_touchpoints(customers, path).inserted == 5
    with customers.session() as s:
        stages = [r.stage for r in s.scalars(select(Touchpoint).order_by(Touchpoint.occurred_at))]
    assert stages == [
        "account_opening",
        "consultation",
        "account_opening",
        "complaint",
        "cross_sell",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer_id,occurred_at,stage\nC001,2024-03-01,sale\nC001,2024-03-02,售后\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_touchpoints(customers, bad)
    problems = info.value.problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (1, "stage", "sale"),
        (2, "stage", "售后"),
    ]
    assert "account_opening" in problems[0].reason and "cross_sell" in problems[0].reason
    assert "after_sale" not in problems[0].reason
    with customers.session() as s:
        assert len(s.scalars(select(Touchpoint)).all()) == 5
