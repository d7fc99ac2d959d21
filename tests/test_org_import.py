"""Importing the organisation: units, teams, employees and serving teams from CSV/XLSX, all
or nothing, every problem named by row and column; ``cxm org show`` draws the tree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cxm.customers.models import Customer
from cxm.errors import ValidationFailed
from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team
from cxm.org.tree import serving_team
from cxm.people.organisation import import_org_file
from cxm.store import Store
from tests.org_factories import EMPLOYEES, LEADS, TEAMS, UNITS, write


def _import(store: Store, kind: str, path: Path) -> None:
    with store.session() as s:
        import_org_file(s, kind=kind, path=path)


def _problems(store: Store, kind: str, path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ValidationFailed) as caught:
        _import(store, kind, path)
    assert "nothing was imported" in caught.value.message
    return [(p.row, p.column, p.reason) for p in caught.value.problems]


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def org(store: Store, tmp_path: Path) -> Path:
    _import(store, "units", write(tmp_path / "units.csv", UNITS))
    _import(store, "teams", write(tmp_path / "teams.csv", TEAMS))
    # Without the staff accounts of the shared factory: drop that column's values.
    plain = "\n".join(",".join(line.split(",")[:7]) for line in EMPLOYEES.splitlines())
    plain = plain.replace(",staff_use", "")
    _import(store, "employees", write(tmp_path / "employees.csv", plain + "\n"))
    _import(store, "teams", write(tmp_path / "leads.csv", LEADS))
    with store.session() as s:
        s.add_all([Customer(external_id=f"C{i}", attributes={}) for i in range(3)])
    return tmp_path


def test_a_clean_organisation_is_imported(store: Store, org: Path) -> None:
    with store.session() as s:
        units = {u.code: u for u in s.scalars(select(OrgUnit))}
        assert units["N1"].parent_id == units["N"].id and units["HQ"].parent_id is None
        teams = {t.name: t for t in s.scalars(select(Team))}
        assert teams["north-a"].parent_id == teams["north"].id
        assert teams["north"].lead is not None and teams["north"].lead.external_id == "E1"
        gone = s.scalar(select(Employee).where(Employee.external_id == "E6"))
        assert gone is not None
        assert (gone.hired_on, gone.left_on) == (date(2018, 1, 1), date(2020, 6, 30))


def test_reimporting_updates_by_key(store: Store, org: Path) -> None:
    _import(store, "units", write(org / "u2.csv", "code,name,kind,parent\nS1,Canton,branch,N\n"))
    with store.session() as s:
        s1 = s.scalar(select(OrgUnit).where(OrgUnit.code == "S1"))
        n = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "N"))
        assert s1 is not None and (s1.name, s1.parent_id) == ("Canton", n)
    assert _count(store, OrgUnit) == 5


def test_an_xlsx_file_is_read_like_a_csv(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["code", "name", "kind", "parent"], ["HQ", "公司", "company", None],
                ["E", "华东", "region", "HQ"]):  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "units.xlsx")
    _import(store, "units", tmp_path / "units.xlsx")
    assert _count(store, OrgUnit) == 2


def test_unknown_unit_kind_and_repeats_are_named(store: Store, org: Path) -> None:
    bad = "team,unit,parent,lead\nnew,ZZ,,\nnew,N1,nope,E99\n"
    assert _problems(store, "teams", write(org / "bad.csv", bad)) == [
        (1, "unit", "unknown org unit"),
        (2, "lead", "unknown employee; import the employees first"),
        (2, "parent", "unknown team"),
        (2, "team", "repeats row 1"),
    ]
    units = "code,name,kind,parent\nX,X,planet,\n"
    assert _problems(store, "units", write(org / "u.csv", units)) == [
        (1, "kind", "unknown kind; use company, region, branch, department")
    ]
    assert _count(store, Team) == 4


def test_a_cycle_is_refused(store: Store, org: Path) -> None:
    in_file = "code,name,kind,parent\nA,A,region,B\nB,B,region,A\n"
    assert _problems(store, "units", write(org / "cycle.csv", in_file)) == [
        (1, "parent", "makes a cycle in the hierarchy"),
        (2, "parent", "makes a cycle in the hierarchy"),
    ]
    # HQ under its own grandchild: a cycle through the stored tree.
    through_stored = "code,name,kind,parent\nHQ,Company,company,N1\n"
    problems = _problems(store, "units", write(org / "c2.csv", through_stored))
    assert problems == [(1, "parent", "makes a cycle in the hierarchy")]
    teams = "team,unit,parent,lead\nnorth,N1,north-a,\n"
    assert _problems(store, "teams", write(org / "t.csv", teams)) == [
        (1, "parent", "makes a cycle in the hierarchy")
    ]
    assert _count(store, OrgUnit) == 5


def test_leaving_before_joining_is_refused(store: Store, org: Path) -> None:
    bad = "external_id,name,team,hired_on,left_on\n" \
        "E9,X,north,2024-05-01,2024-04-30\nE10,Y,mars,soon,\n"  # fmt: skip
    assert _problems(store, "employees", write(org / "e.csv", bad)) == [
        (1, "left_on", "is before the hire date 2024-05-01"),
        (2, "hired_on", "is not a date (use YYYY-MM-DD)"),
        (2, "team", "unknown team"),
    ]
    assert _count(store, Employee) == 7


def test_serving_periods_must_not_overlap(store: Store, org: Path) -> None:
    good = "customer,team,employee,starts_on,ends_on\nC0,north,E2,2024-01-01,2024-06-30\n" \
        "C0,sibling,E3,2024-07-01,\nC1,north,,2024-01-01,\n"  # fmt: skip
    _import(store, "assignments", write(org / "a.csv", good))
    with store.session() as s:
        c0 = s.scalar(select(Customer.id).where(Customer.external_id == "C0"))
        assert c0 is not None
        june, july = (serving_team(s, customer_id=c0, on=date(2024, m, 30)) for m in (6, 7))
        assert june is not None and july is not None
        teams = {t.id: t.name for t in s.scalars(select(Team))}
        assert (teams[june.team_id], teams[july.team_id]) == ("north", "sibling")
    overlapping = "customer,team,employee,starts_on,ends_on\nC2,north,,2024-01-01,2024-12-31\n" \
        "C2,south,,2024-06-01,\nC1,south,,2025-01-01,\nC0,south,,2023-01-01,2023-12-31\n" \
        "C9,north,,2024-01-01,\nC2,north,,2026-01-01,2025-01-01\n"  # fmt: skip
    assert _problems(store, "assignments", write(org / "b.csv", overlapping)) == [
        (2, "starts_on", "overlaps row 1 of the same customer"),
        (3, "starts_on", "overlaps a stored period from 2024-01-01 of the same customer"),
        (5, "customer", "unknown customer"),
        (6, "ends_on", "is before the start 2026-01-01"),
    ]
    assert _count(store, CustomerAssignment) == 3


def test_a_row_with_a_stored_start_replaces_that_period(store: Store, org: Path) -> None:
    _import(
        store, "assignments", write(org / "a.csv", "customer,team,starts_on\nC0,north,2024-01-01\n")
    )
    close = (
        "customer,team,starts_on,ends_on\nC0,north,2024-01-01,2024-03-31\nC0,south,2024-04-01,\n"
    )
    _import(store, "assignments", write(org / "b.csv", close))
    assert _count(store, CustomerAssignment) == 2


def test_missing_and_unknown_columns_are_named(store: Store, tmp_path: Path) -> None:
    assert _problems(store, "units", write(tmp_path / "u.csv", "code,title\nA,B\n")) == [
        (None, "kind", "required column is missing"),
        (None, "name", "required column is missing"),
        (None, "title", "unknown column; expected code, kind, name, parent"),
    ]


def test_the_cli_imports_and_draws_the_tree(cxm, tmp_path: Path) -> None:
    result = cxm("org", "import", "units", str(write(tmp_path / "u.csv", UNITS)))
    assert result.exit_code == 0, result.stderr
    assert "5 rows, 5 added, 0 updated" in result.stdout
    assert cxm("org", "import", "teams", str(write(tmp_path / "t.csv", TEAMS))).exit_code == 0
    shown = cxm("org", "show", "N")
    assert shown.stdout.splitlines() == [
        "North region [N, region]",
        "  North branch [N1, branch]",
        "    team north (0 members)",
        "      team north-a (0 members)",
        "    team sibling (0 members)",
    ]
    tree = json.loads(cxm("org", "show", "--json").stdout)
    assert [u["code"] for u in tree] == ["HQ"]
    bad = cxm("org", "import", "teams", str(write(tmp_path / "b.csv", "team,unit\nx,ZZ\n")))
    assert bad.exit_code == 1
    assert "row 1, column unit 'ZZ': unknown org unit" in bad.stderr
    assert cxm("org", "show", "NOPE").exit_code == 1
