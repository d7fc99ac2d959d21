"""A small organisation for the people tests, built through the org import service.

    HQ ─ B1: alpha (6 people) ─ alpha-night (3, sub-team); beta (8); gamma (4)

plus one person who left before the waves and one hired after them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from cxm.org.importing import import_org_file
from cxm.org.models import Team
from cxm.store import Store

UNITS = "code,name,kind,parent\nHQ,Company,company,\nB1,Branch one,branch,HQ\n"
TEAMS = "team,unit,parent,lead\nalpha,B1,,\nalpha-night,B1,alpha,\nbeta,B1,,\ngamma,B1,,\n"
SIZES = {"alpha": 6, "alpha-night": 3, "beta": 8, "gamma": 4}


def build_people(store: Store, folder: Path) -> dict[str, int]:
    lines = ["external_id,name,team,unit,job,hired_on,left_on,staff_user"]
    n = 0
    for team, size in SIZES.items():
        for _ in range(size):
            n += 1
            lines.append(f"P{n},Person {n},{team},,agent,2020-01-01,,")
    lines.append("GONE,Gone,alpha,,agent,2019-01-01,2024-12-31,")
    lines.append("LATE,Late,beta,,agent,2026-06-01,,")
    files = {
        "units": UNITS,
        "teams": TEAMS,
        "employees": "\n".join(lines) + "\n",
    }
    with store.session() as s:
        for kind, text in files.items():
            path = folder / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            import_org_file(s, kind=kind, path=path)
        return {t.name: t.id for t in s.scalars(select(Team))}
