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
