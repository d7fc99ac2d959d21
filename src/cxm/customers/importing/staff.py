"""Teams and employees named in a touchpoints file: found, or created when missing."""

from __future__ import annotations

from typing import cast

import pandas as pd
from sqlalchemy import Connection, Table, insert, select

from cxm.customers.importing.sql import lookup_ids
from cxm.customers.models import Employee, Team
from cxm.store import utcnow

__all__ = ["resolve_staff"]

_TEAMS = cast(Table, Team.__table__)
_EMPLOYEES = cast(Table, Employee.__table__)


def _teams(conn: Connection, names: set[str]) -> dict[str, int]:
    table = _TEAMS
    found = lookup_ids(conn, table, names, key="name")
    missing = sorted(names - set(found))
    if missing:
        now = utcnow()
        conn.execute(
            insert(table), [{"name": n, "created_at": now, "updated_at": now} for n in missing]
        )
        found.update(lookup_ids(conn, table, missing, key="name"))
    return found


def resolve_staff(
    conn: Connection, employee_ids: pd.Series, employee_names: pd.Series, teams: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Primary keys of each row's employee and team, creating those that do not exist.

    An employee is known by ``employee_id``, else by name. A row without a team takes its
    employee's team. An existing employee's name and team are left as they are.
    """
    index = employee_ids.index
    keys = employee_ids.where(employee_ids.notna(), employee_names)
    team_ids = _teams(conn, set(teams.dropna()))
    first_team: dict[str, str | None] = {}
    first_name: dict[str, str | None] = {}
    for key, name, team in zip(keys, employee_names, teams, strict=True):
        if key is not None and key not in first_team:
            first_team[key], first_name[key] = team, name
    emp = _EMPLOYEES
    existing: dict[str, tuple[int, int | None]] = {}
    wanted = sorted(first_team)
    for start in range(0, len(wanted), 900):
        batch = wanted[start : start + 900]
        rows = conn.execute(
            select(emp.c.external_id, emp.c.id, emp.c.team_id).where(emp.c.external_id.in_(batch))
        )
        existing.update({str(e): (int(i), t) for e, i, t in rows})
    missing = [k for k in wanted if k not in existing]
    if missing:
        now = utcnow()
        conn.execute(
            insert(emp),
            [
                {
                    "external_id": k,
                    "name": first_name[k],
                    "team_id": _team_of(team_ids, first_team[k]),
                    "created_at": now,
                    "updated_at": now,
                }
                for k in missing
            ],
        )
        rows = conn.execute(
            select(emp.c.external_id, emp.c.id, emp.c.team_id).where(emp.c.external_id.in_(missing))
        )
        existing.update({str(e): (int(i), t) for e, i, t in rows})
    employee = [existing[k][0] if k is not None else None for k in keys]
    team = [
        team_ids[t] if t is not None else (existing[k][1] if k is not None else None)
        for k, t in zip(keys, teams, strict=True)
    ]
    return pd.Series(employee, index=index, dtype=object), pd.Series(
        team, index=index, dtype=object
    )


def _team_of(team_ids: dict[str, int], name: str | None) -> int | None:
    return None if name is None else team_ids.get(name)
