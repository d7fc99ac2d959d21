"""Employee turnover per team from hire and leave dates (issue 19 item 3).

For a period ``[since, until]`` (inclusive): headcount on the first and on the last day,
the people who left during it, and the turnover rate = leavers ÷ average headcount (the
mean of the two day counts) — the usual HR definition. A person counts for their team of
record (:class:`cxm.org.models.Employee` keeps one team).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _
from cxm.org.models import Employee, Team

__all__ = ["TeamTurnover", "team_turnover", "turnover_frame"]


def turnover_frame(employees: pd.DataFrame, *, since: date, until: date) -> pd.DataFrame:
    """Per ``team_id`` of ``employees`` (columns team_id, hired_on, left_on; missing dates
    are NaT/None: hired before anything, not left): ``start``, ``end``, ``leavers``,
    ``rate``."""
    if until < since:
        raise InputError(
            _("The period ends on {until} before it starts on {since}.").format(
                until=until.isoformat(), since=since.isoformat()
            )
        )
    hired = pd.to_datetime(employees["hired_on"]).dt.date
    left = pd.to_datetime(employees["left_on"]).dt.date

    def in_post(day: date) -> np.ndarray:
        h = np.array([d is None or pd.isna(d) or d <= day for d in hired], dtype=bool)
        gone = np.array([not (d is None or pd.isna(d)) and d < day for d in left], dtype=bool)
        return np.asarray(h & ~gone, dtype=bool)

    leaving = np.array(
        [not (d is None or pd.isna(d)) and since <= d <= until for d in left], dtype=bool
    )
    frame = pd.DataFrame(
        {
            "team_id": employees["team_id"].to_numpy(),
            "start": in_post(since),
            "end": in_post(until),
            "leavers": leaving,
        }
    )
    out = frame.groupby("team_id").sum().astype(int)
    average = (out["start"] + out["end"]) / 2
    out["rate"] = np.where(average > 0, out["leavers"] / average.where(average > 0, 1), np.nan)
    return out.reset_index()


@dataclass(frozen=True)
class TeamTurnover:
    team_id: int
    team: str
    start: int
    end: int
    leavers: int
    rate: float | None


def team_turnover(session: Session, *, since: date, until: date) -> list[TeamTurnover]:
    rows = session.execute(
        select(Employee.team_id, Employee.hired_on, Employee.left_on).where(
            Employee.team_id.is_not(None)
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["team_id", "hired_on", "left_on"])
    names = {r[0]: r[1] for r in session.execute(select(Team.id, Team.name))}
    if frame.empty:
        if until < since:
            turnover_frame(frame, since=since, until=until)  # the same error
        return []
    table = turnover_frame(frame, since=since, until=until)
    return [
        TeamTurnover(
            team_id=int(r["team_id"]),
            team=names.get(int(r["team_id"]), str(r["team_id"])),
            start=int(r["start"]),
            end=int(r["end"]),
            leavers=int(r["leavers"]),
            rate=None if pd.isna(r["rate"]) else round(float(r["rate"]), 4),
        )
        for r in table.sort_values("team_id").to_dict("records")
    ]
