"""A small organisation and its named staff, built through the import service from real
CSV files, for the permission and hierarchy tests.

    HQ (company)
    ├── N (region)
    │   └── N1 (branch): north (lead E1 = bob) ─ north-a (sub-team of north); sibling (lead E4)
    └── S (region)
        └── S1 (branch): south

Staff: alice admin (all), bob lead (teams led: north, north-a), carol agent in north (team),
dave agent in sibling (team), erin manager of region N (unit), frank analyst (all),
gina viewer (all), hank shopper (own).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cxm.accounts import create_user
from cxm.customers.models import Customer
from cxm.org.models import Team
from cxm.people.organisation import import_org_file
from cxm.store import Store

UNITS = """code,name,kind,parent
HQ,Company,company,
N,North region,region,HQ
S,South region,region,HQ
N1,North branch,branch,N
S1,South branch,branch,S
"""
TEAMS = """team,unit,parent,lead
north,N1,,
north-a,N1,north,
sibling,N1,,
south,S1,,
"""
EMPLOYEES = """external_id,name,team,unit,job,hired_on,left_on,staff_user
E1,Bob Lead,north,,team lead,2020-01-01,,bob
E2,Carol Agent,north,,agent,2021-03-01,,carol
E3,Dave Agent,sibling,,agent,2021-05-01,,dave
E4,Sibling Lead,sibling,,team lead,2019-01-01,,
E5,Ann Sub,north-a,,agent,2022-01-01,,
E6,Gone Away,north,,agent,2018-01-01,2020-06-30,
E7,Erin Manager,,N,regional manager,2015-01-01,,erin
"""
LEADS = """team,unit,parent,lead
north,N1,,E1
north-a,N1,north,
sibling,N1,,E4
south,S1,,
"""

#: name → (role, scope, team, unit)
STAFF: dict[str, tuple[str, str, str | None, str | None]] = {
    "alice": ("admin", "all", None, None),
    "bob": ("lead", "teams_led", None, None),
    "carol": ("agent", "team", "north", None),
    "dave": ("agent", "team", "sibling", None),
    "erin": ("manager", "unit", None, "N"),
    "frank": ("analyst", "all", None, None),
    "gina": ("viewer", "all", None, None),
    "hank": ("shopper", "own", None, None),
}

#: The team serving each customer of the survey fixture (C0…C5).
SERVING = {"C0": "north", "C1": "north", "C2": "north-a", "C3": "sibling", "C4": "sibling",
           "C5": "south"}  # fmt: skip


@dataclass
class Org:
    teams: dict[str, int]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def build_org(store: Store, folder: Path, password_hash: str) -> Org:
    """Units, teams, the named staff, employees linked to them, and leads."""
    with store.session() as s:
        import_org_file(s, kind="units", path=write(folder / "units.csv", UNITS))
        import_org_file(s, kind="teams", path=write(folder / "teams.csv", TEAMS))
        for name, (role, scope, team, unit) in STAFF.items():
            create_user(
                s,
                name=name,
                role=role,
                scope=scope,
                team=team,
                unit=unit,
                password_hash=password_hash,
            )
        import_org_file(s, kind="employees", path=write(folder / "employees.csv", EMPLOYEES))
        import_org_file(s, kind="teams", path=write(folder / "leads.csv", LEADS))
        teams = {t.name: t.id for t in s.scalars(select(Team))}
    return Org(teams=teams)


def assign_customers(store: Store, folder: Path, serving: dict[str, str] = SERVING) -> None:
    """Each customer served by its team since 2020 (the customers must exist)."""
    lines = ["customer,team,employee,starts_on,ends_on"]
    lines += [f"{c},{t},,2020-01-01," for c, t in serving.items()]
    with store.session() as s:
        assert s.scalar(select(Customer.id).limit(1)) is not None
        import_org_file(
            s, kind="assignments", path=write(folder / "serving.csv", "\n".join(lines) + "\n")
        )
