"""The demo company's organisation: 2 regions, 6 branches, 50 teams with leads (some with
sub-teams), about 600 employees with hire and leave dates, and the team and relationship
manager serving every customer over time.

The 8 service teams and their 60 people of the hidden truth (who serve the customers and
whose quality drives satisfaction) keep their ids and gain a branch, a lead and hire dates;
the rest of each branch (sales, key accounts, delivery, hotline with its night shift,
follow-up) is added around them. Each customer is served by their home team, with their
manager, from acquisition to churn; about one in ten long-standing customers was served by
another team of the branch before the demo window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import bindparam, insert, select, update

from cxm.customers.models import Customer
from cxm.demo.company import person_names
from cxm.demo.context import DemoContext
from cxm.demo.vocabulary import END, START
from cxm.demo.writer import insert_rows
from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team, UnitKind

__all__ = ["BRANCHES", "build_organisation"]

#: Branch code → (name, region code, the service teams of the truth it holds).
BRANCHES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "BJ": ("北京分公司", "NORTH", ("华北服务一组", "华北服务二组")),
    "SH": ("上海分公司", "NORTH", ("华东服务一组", "华东服务二组")),
    "NJ": ("南京分公司", "NORTH", ("华东服务三组",)),
    "GZ": ("广州分公司", "SOUTH", ("华南服务一组",)),
    "SZ": ("深圳分公司", "SOUTH", ("华南服务二组",)),
    "CD": ("成都分公司", "SOUTH", ("西南服务一组",)),
}
_REGIONS = {"NORTH": "北区", "SOUTH": "南区"}
#: The other teams of every branch: (suffix, job of its members, parent suffix or None).
_FUNCTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("销售一组", "销售顾问", None),
    ("销售二组", "销售顾问", None),
    ("大客户组", "大客户经理", None),
    ("交付组", "交付工程师", None),
    ("客服热线组", "客服专员", None),
    ("客服热线夜班组", "客服专员", "客服热线组"),
    ("回访组", "回访专员", None),
)
#: Employees in the added teams with the managers of branches and regions: 60 + 540 = 600.
_ADDED_STAFF = 540
_LEFT_SHARE = 0.15
_MOVED_SHARE = 0.10


def _days(rng: np.random.Generator, start: date, end: date, n: int) -> list[date]:
    span = max((end - start).days, 1)
    return [start + timedelta(days=int(d)) for d in rng.integers(0, span, n)]


def _units(conn: Any, now: datetime) -> dict[str, int]:
    rows: list[tuple[str, str, UnitKind, str | None]] = [("HQ", "示例公司", UnitKind.COMPANY, None)]
    rows += [(code, name, UnitKind.REGION, "HQ") for code, name in _REGIONS.items()]
    rows += [(code, b[0], UnitKind.BRANCH, b[1]) for code, b in BRANCHES.items()]
    ids: dict[str, int] = {}
    for code, name, kind, parent in rows:  # 9 rows, parents first
        ids[code] = conn.execute(
            insert(OrgUnit)
            .values(
                code=code,
                name=name,
                kind=kind.value,
                parent_id=ids[parent] if parent else None,
                created_at=now,
                updated_at=now,
            )
            .returning(OrgUnit.id)
        ).scalar_one()
    return ids


def build_organisation(ctx: DemoContext) -> None:
    t = ctx.truth
    rng = ctx.rng("organisation")
    now = datetime.now(UTC)
    with ctx.store.engine.begin() as conn:
        units = _units(conn, now)
        service_branch = {team: code for code, b in BRANCHES.items() for team in b[2]}
        conn.execute(
            update(Team).where(Team.id == bindparam("tid")).values(unit_id=bindparam("uid")),
            [
                {"tid": int(ctx.team_ids[i]), "uid": units[service_branch[name]]}
                for i, name in enumerate(t.team_names)
            ],
        )
        # The added teams, their members and the branch and region managers.
        names = [f"{b[0]}{suffix}" for b in BRANCHES.values() for suffix, _j, _p in _FUNCTIONS]
        team_unit = [units[code] for code in BRANCHES for _f in _FUNCTIONS]
        jobs = [job for _code in BRANCHES for _s, job, _p in _FUNCTIONS]
        insert_rows(
            conn,
            Team.__table__,  # type: ignore[arg-type]
            {
                "name": names,
                "unit_id": team_unit,
                "created_at": [now] * len(names),
                "updated_at": [now] * len(names),
            },
        )
        team_id: dict[str, int] = dict(conn.execute(select(Team.name, Team.id)).all())
        conn.execute(
            update(Team).where(Team.id == bindparam("tid")).values(parent_id=bindparam("pid")),
            [
                {"tid": team_id[b[0] + suffix], "pid": team_id[b[0] + parent]}
                for b in BRANCHES.values()
                for suffix, _j, parent in _FUNCTIONS
                if parent is not None
            ],
        )
        managers = 2 + len(BRANCHES)
        # At least 6 people a team, the rest spread at random.
        spread = _ADDED_STAFF - managers - 6 * len(names)
        sizes = rng.multinomial(spread, np.ones(len(names)) / len(names)) + 6
        member_team = np.repeat(np.arange(len(names)), sizes)
        k = member_team.size + managers
        first = t.employee_team.size
        hired = _days(rng, date(2012, 1, 1), END - timedelta(days=60), k)
        left: list[date | None] = [None] * k
        for i in np.flatnonzero(rng.random(k) < _LEFT_SHARE).tolist():
            if i < member_team.size:  # managers stay
                left[i] = _days(rng, hired[i] + timedelta(days=90), END, 1)[0]
        unit_of_manager = [units["NORTH"], units["SOUTH"], *(units[c] for c in BRANCHES)]
        job_of_manager = ["大区总经理"] * 2 + ["分公司总经理"] * len(BRANCHES)
        insert_rows(
            conn,
            Employee.__table__,  # type: ignore[arg-type]
            {
                "external_id": [f"E{first + i + 1:03d}" for i in range(k)],
                "name": person_names(rng, k),
                "team_id": [team_id[names[j]] for j in member_team.tolist()] + [None] * managers,
                "unit_id": [None] * member_team.size + unit_of_manager,
                "job": [jobs[j] for j in member_team.tolist()] + job_of_manager,
                "hired_on": hired,
                "left_on": left,
                "created_at": [now] * k,
                "updated_at": [now] * k,
            },
        )
        # The service staff of the truth: hired before the window, still there.
        service_hired = _days(rng, date(2010, 1, 1), START - timedelta(days=30), first)
        conn.execute(
            update(Employee)
            .where(Employee.id == bindparam("eid"))
            .values(job="客户经理", hired_on=bindparam("hired")),
            [
                {"eid": int(e), "hired": h}
                for e, h in zip(ctx.employee_ids.tolist(), service_hired, strict=True)
            ],
        )
        _leads(conn)
        moved = _assign(ctx, conn, rng, now, team_id)
    ctx.results["organisation"] = {
        "regions": len(_REGIONS),
        "branches": len(BRANCHES),
        "teams": len(names) + len(t.team_names),
        "employees": first + k,
        "left": sum(d is not None for d in left),
        "customers_moved": moved,
    }


def _leads(conn: Any) -> None:
    """Each team's lead: its longest-serving member still there (job 团队负责人 unless the
    team is a truth service team, whose people keep serving customers)."""
    rows = conn.execute(
        select(Employee.team_id, Employee.id, Employee.hired_on)
        .where(Employee.team_id.is_not(None), Employee.left_on.is_(None))
        .order_by(Employee.team_id, Employee.hired_on, Employee.id)
    ).all()
    lead: dict[int, int] = {}
    for team, emp, _hired in rows:
        lead.setdefault(int(team), int(emp))
    conn.execute(
        update(Team).where(Team.id == bindparam("tid")).values(lead_id=bindparam("eid")),
        [{"tid": tid, "eid": eid} for tid, eid in lead.items()],
    )


def _assign(
    ctx: DemoContext, conn: Any, rng: np.random.Generator, now: datetime, team_id: dict[str, int]
) -> int:
    """Write the serving periods; returns how many customers changed team."""
    t = ctx.truth
    dates = {
        cid: (acq, churned)
        for cid, acq, churned in conn.execute(
            select(Customer.id, Customer.acquired_on, Customer.churned_on)
        ).all()
    }
    branch_of = {team: b[0] for b in BRANCHES.values() for team in b[2]}
    customer_ids = ctx.customer_ids.tolist()
    home = ctx.team_ids[t.team].tolist()
    manager = ctx.employee_ids[t.manager].tolist()
    home_name = [t.team_names[i] for i in t.team.tolist()]
    moved = rng.random(len(customer_ids)) < _MOVED_SHARE
    back = rng.integers(1, 365, len(customer_ids)).tolist()
    cols: dict[str, list[Any]] = {
        k: [] for k in ("customer_id", "team_id", "employee_id", "starts_on", "ends_on")
    }

    def add(cid: int, team: int, emp: int | None, start: date, end: date | None) -> None:
        for key, value in zip(cols, (cid, team, emp, start, end), strict=True):
            cols[key].append(value)

    switched = 0
    for i, cid in enumerate(customer_ids):
        acquired, churned = dates[cid]
        start = acquired or START
        switch = START - timedelta(days=back[i])
        if moved[i] and start < switch:
            before = team_id[branch_of[home_name[i]] + "大客户组"]
            add(cid, before, None, start, switch - timedelta(days=1))
            start = switch
            switched += 1
        add(cid, home[i], manager[i], start, churned)
    n = len(cols["customer_id"])
    insert_rows(
        conn,
        CustomerAssignment.__table__,  # type: ignore[arg-type]
        {**cols, "created_at": [now] * n, "updated_at": [now] * n},
    )
    return switched
