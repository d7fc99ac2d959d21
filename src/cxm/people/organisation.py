"""Importing the organisation from CSV/XLSX: units, teams, employees, and who serves each
customer. Each file is checked whole first: every problem is listed with its row, column,
value and reason, and nothing is written unless the file is clean (all or nothing).

Rows are matched to what is stored by their key (unit ``code``, team ``team`` name,
employee ``external_id``; an assignment by customer and ``starts_on``): a known key is
updated, a new one added. Import units first, then teams, employees, and assignments;
a team's ``lead`` must be an employee already imported (import the teams file again).

It links employees to staff accounts and customers to the teams serving them, so it sits
above accounts and customers, with the people (moved from ``cxm.org``, which both use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.audit.service import record
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.files import iter_chunks, normalise_text, parse_date
from cxm.i18n import _
from cxm.org.models import CustomerAssignment, Employee, OrgUnit, Team, UnitKind
from cxm.store.chunks import in_chunks

__all__ = ["KINDS", "ImportResult", "import_org_file"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    rows: int
    created: int
    updated: int


Row = dict[str, str | None]


@dataclass
class _Check:
    """Problems found so far, and the rows read (``row`` numbers count data rows from 1)."""

    rows: list[tuple[int, Row]]
    problems: list[Problem] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, value: str | None, reason: str) -> None:
        self.problems.append(Problem(row, column, value, reason))

    def date(self, row: int, data: Row, column: str) -> date | None:
        text = data.get(column)
        if not text:
            return None
        try:
            return parse_date(text, allow_future=True)
        except ValueError:
            self.add(row, column, text, _("is not a date (use YYYY-MM-DD)"))
            return None


def _read(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> _Check:
    """Every row of the file as text (blank cells None), header names normalised."""
    if not path.exists():
        raise InputError(_("No file {path}.", path=str(path)))
    rows: list[tuple[int, Row]] = []
    with iter_chunks(path) as chunks:
        header = [normalise_text(str(c)).lower() for c in chunks.columns]
        for chunk in chunks:
            frame = chunk.set_axis(header, axis=1)
            for number, values in zip(frame.index, frame.itertuples(index=False), strict=True):
                data: Row = {}
                for name, cell in zip(header, values, strict=True):
                    text = None if cell is None or pd.isna(cell) else normalise_text(str(cell))
                    data[name] = text or None
                if any(data.values()):
                    rows.append((int(number), data))
    check = _Check(rows)
    known = set(required) | set(optional)
    for name in required:
        if name not in header:
            check.add(None, name, None, _("required column is missing"))
    for name in header:
        if name not in known:
            check.add(
                None,
                name,
                None,
                _("unknown column; expected {columns}", columns=", ".join(sorted(known))),
            )
    for number, data in rows:
        for name in required:
            if name in header and not data.get(name):
                check.add(number, name, None, _("is empty"))
    return check


def _repeats(check: _Check, column: str) -> None:
    seen: dict[str, int] = {}
    for number, data in check.rows:
        key = (data.get(column) or "").casefold()
        if not key:
            continue
        if key in seen:
            check.add(number, column, data[column], _("repeats row {row}", row=seen[key]))
        else:
            seen[key] = number


def _cycles(
    check: _Check, parents: dict[str, str | None], rows: dict[str, int], column: str
) -> None:
    """A problem for every row whose chain of parents comes back to it."""
    for key, number in rows.items():
        seen = {key}
        at = parents.get(key)
        while at is not None:
            if at in seen:
                check.add(number, column, parents[key], _("makes a cycle in the hierarchy"))
                break
            seen.add(at)
            at = parents.get(at)


def _units(session: Session, check: _Check) -> tuple[int, int]:
    _repeats(check, "code")
    stored = {u.code.casefold(): u for u in session.scalars(select(OrgUnit))}
    parents = {k: (u.parent.code.casefold() if u.parent else None) for k, u in stored.items()}
    for number, data in check.rows:
        kind = data.get("kind")
        if kind and kind.lower() not in {k.value for k in UnitKind}:
            check.add(
                number,
                "kind",
                kind,
                _("unknown kind; use {kinds}", kinds=", ".join(k.value for k in UnitKind)),
            )
    rows = _tree_rows(check, "code", parents)
    for number, data in check.rows:
        parent = data.get("parent")
        if parent and parent.casefold() not in parents:
            check.add(number, "parent", parent, _("unknown org unit"))
    _cycles(check, parents, rows, "parent")
    if check.problems:
        return 0, 0
    created = updated = 0
    by_code = dict(stored)
    for _number, data in check.rows:
        key = str(data["code"]).casefold()
        unit = by_code.get(key)
        if unit is None:
            unit = OrgUnit(code=str(data["code"]))
            session.add(unit)
            by_code[key] = unit
            created += 1
        else:
            updated += 1
        unit.name = str(data["name"])
        unit.kind = UnitKind(str(data["kind"]).lower())
    session.flush()
    _link_parents(session, check, "code", by_code)
    return created, updated


def _tree_rows(check: _Check, field: str, parents: dict[str, str | None]) -> dict[str, int]:
    """Row numbers by case-folded ``field`` of the file's rows; each row's parent (case-folded)
    goes into ``parents``, over what is stored."""
    rows: dict[str, int] = {}
    for number, data in check.rows:
        if data.get(field):
            key = str(data[field]).casefold()
            rows[key] = number
            parent = data.get("parent")
            parents[key] = parent.casefold() if parent else None
    return rows


def _link_parents(
    session: Session, check: _Check, field: str, by_key: Mapping[str, OrgUnit | Team]
) -> None:
    """Second pass, once every row has an id: point each row (units or teams, found by
    case-folded ``field``) at its parent."""
    for _number, data in check.rows:
        parent = data.get("parent")
        by_key[str(data[field]).casefold()].parent_id = (
            by_key[parent.casefold()].id if parent else None
        )
    session.flush()


def _lookup(session: Session, column: object, key: object) -> dict[str, int]:
    return {str(k).casefold(): int(i) for k, i in session.execute(select(key, column)).all()}  # type: ignore[call-overload]


def _teams(session: Session, check: _Check) -> tuple[int, int]:
    _repeats(check, "team")
    units = _lookup(session, OrgUnit.id, OrgUnit.code)
    employees = _lookup(session, Employee.id, Employee.external_id)
    stored = {t.name.casefold(): t for t in session.scalars(select(Team))}
    names = {t.id: k for k, t in stored.items()}
    parents = {k: names.get(t.parent_id) if t.parent_id else None for k, t in stored.items()}
    rows = _tree_rows(check, "team", parents)
    for number, data in check.rows:
        unit, parent, lead = data.get("unit"), data.get("parent"), data.get("lead")
        if unit and unit.casefold() not in units:
            check.add(number, "unit", unit, _("unknown org unit"))
        if parent and parent.casefold() not in parents:
            check.add(number, "parent", parent, _("unknown team"))
        if lead and lead.casefold() not in employees:
            check.add(number, "lead", lead, _("unknown employee; import the employees first"))
    _cycles(check, parents, rows, "parent")
    if check.problems:
        return 0, 0
    created = updated = 0
    by_name = dict(stored)
    for _number, data in check.rows:
        key = str(data["team"]).casefold()
        team = by_name.get(key)
        if team is None:
            team = Team(name=str(data["team"]))
            session.add(team)
            by_name[key] = team
            created += 1
        else:
            updated += 1
        unit, lead = data.get("unit"), data.get("lead")
        team.unit_id = units[unit.casefold()] if unit else None
        team.lead_id = employees[lead.casefold()] if lead else None
    session.flush()
    _link_parents(session, check, "team", by_name)
    return created, updated


def _employees(session: Session, check: _Check) -> tuple[int, int]:
    _repeats(check, "external_id")
    _repeats(check, "staff_user")
    teams = _lookup(session, Team.id, Team.name)
    units = _lookup(session, OrgUnit.id, OrgUnit.code)
    users = _lookup(session, StaffUser.id, StaffUser.name)
    parsed: list[tuple[Row, date | None, date | None]] = []
    for number, data in check.rows:
        team, unit, user = data.get("team"), data.get("unit"), data.get("staff_user")
        if team and team.casefold() not in teams:
            check.add(number, "team", team, _("unknown team"))
        if unit and unit.casefold() not in units:
            check.add(number, "unit", unit, _("unknown org unit"))
        if user and user.casefold() not in users:
            check.add(number, "staff_user", user, _("unknown staff user"))
        hired, left = check.date(number, data, "hired_on"), check.date(number, data, "left_on")
        if hired and left and left < hired:
            check.add(
                number,
                "left_on",
                data["left_on"],
                _("is before the hire date {hired}", hired=hired.isoformat()),
            )
        parsed.append((data, hired, left))
    stored = {e.external_id.casefold(): e for e in session.scalars(select(Employee))}
    taken = {e.staff_user_id: k for k, e in stored.items() if e.staff_user_id is not None}
    for number, data in check.rows:
        user = data.get("staff_user")
        key = (data.get("external_id") or "").casefold()
        if user and user.casefold() in users:
            owner = taken.get(users[user.casefold()])
            if owner is not None and owner != key and owner not in _keys(check.rows):
                check.add(number, "staff_user", user, _("is linked to another employee"))
    if check.problems:
        return 0, 0
    created = updated = 0
    for data, hired, left in parsed:
        key = str(data["external_id"]).casefold()
        emp = stored.get(key)
        if emp is None:
            emp = Employee(external_id=str(data["external_id"]))
            session.add(emp)
            created += 1
        else:
            updated += 1
        team, unit, user = data.get("team"), data.get("unit"), data.get("staff_user")
        emp.name = data.get("name")
        emp.team_id = teams[team.casefold()] if team else None
        emp.unit_id = units[unit.casefold()] if unit else None
        emp.job = data.get("job")
        emp.hired_on, emp.left_on = hired, left
        emp.staff_user_id = users[user.casefold()] if user else None
    session.flush()
    return created, updated


def _keys(rows: Iterable[tuple[int, Row]]) -> set[str]:
    return {(d.get("external_id") or "").casefold() for _n, d in rows}


def _overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    far = date.max
    return a[0] <= (b[1] or far) and b[0] <= (a[1] or far)


def _assignments(session: Session, check: _Check) -> tuple[int, int]:
    from cxm.customers.models import Customer

    teams = _lookup(session, Team.id, Team.name)
    employees = _lookup(session, Employee.id, Employee.external_id)
    wanted = {str(d["customer"]) for _n, d in check.rows if d.get("customer")}
    customers: dict[str, int] = {}
    listed = sorted(wanted)
    for part in in_chunks(listed):
        customers.update(
            session.execute(
                select(Customer.external_id, Customer.id).where(Customer.external_id.in_(part))
            ).all()
        )
    periods: dict[int, list[tuple[int | None, date, date | None]]] = {}
    if customers:
        ids = sorted(customers.values())
        for id_part in in_chunks(ids):
            for a in session.scalars(
                select(CustomerAssignment).where(CustomerAssignment.customer_id.in_(id_part))
            ):
                periods.setdefault(a.customer_id, []).append((None, a.starts_on, a.ends_on))
    planned: list[tuple[int, int, int, int | None, date, date | None]] = []
    for number, data in check.rows:
        ext, team, emp = data.get("customer"), data.get("team"), data.get("employee")
        if ext and ext not in customers:
            check.add(number, "customer", ext, _("unknown customer"))
        if team and team.casefold() not in teams:
            check.add(number, "team", team, _("unknown team"))
        if emp and emp.casefold() not in employees:
            check.add(number, "employee", emp, _("unknown employee"))
        starts, ends = check.date(number, data, "starts_on"), check.date(number, data, "ends_on")
        if starts and ends and ends < starts:
            check.add(
                number,
                "ends_on",
                data["ends_on"],
                _("is before the start {start}", start=starts.isoformat()),
            )
            continue
        if ext in customers and team and team.casefold() in teams and starts:
            planned.append(
                (
                    number,
                    customers[ext],
                    teams[team.casefold()],
                    employees.get(emp.casefold()) if emp else None,
                    starts,
                    ends,
                )
            )
    # A row with the same customer and start as a stored period replaces it.
    replaced = {(cid, starts) for _n, cid, _t, _e, starts, _end in planned}
    for cid, spans in periods.items():
        periods[cid] = [p for p in spans if (cid, p[1]) not in replaced]
    for number, cid, _team, _emp, starts, ends in planned:
        for other, o_start, o_end in periods.get(cid, []):
            if _overlap((starts, ends), (o_start, o_end)):
                where = (
                    _("row {row}", row=other)
                    if other is not None
                    else _("a stored period from {start}", start=o_start.isoformat())
                )
                check.add(
                    number,
                    "starts_on",
                    starts.isoformat(),
                    _("overlaps {other} of the same customer", other=where),
                )
                break
        periods.setdefault(cid, []).append((number, starts, ends))
    if check.problems:
        return 0, 0
    existing = (
        {
            (a.customer_id, a.starts_on): a
            for a in session.scalars(
                select(CustomerAssignment).where(
                    CustomerAssignment.customer_id.in_(sorted({p[1] for p in planned}))
                )
            )
        }
        if planned
        else {}
    )
    created = updated = 0
    for _number, cid, team_id, emp_id, starts, ends in planned:
        found = existing.get((cid, starts))
        if found is None:
            session.add(
                CustomerAssignment(
                    customer_id=cid,
                    team_id=team_id,
                    employee_id=emp_id,
                    starts_on=starts,
                    ends_on=ends,
                )
            )
            created += 1
        else:
            found.team_id, found.employee_id, found.ends_on = team_id, emp_id, ends
            updated += 1
    session.flush()
    return created, updated


_Importer = Callable[[Session, _Check], tuple[int, int]]

#: kind → (required columns, optional columns, importer).
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], _Importer]] = {
    "units": (("code", "name", "kind"), ("parent",), _units),
    "teams": (("team",), ("unit", "parent", "lead"), _teams),
    "employees": (
        ("external_id",),
        ("name", "team", "unit", "job", "hired_on", "left_on", "staff_user"),
        _employees,
    ),
    "assignments": (("customer", "team", "starts_on"), ("employee", "ends_on"), _assignments),
}


def import_org_file(
    session: Session, *, kind: str, path: str | Path, actor_id: int | None = None
) -> ImportResult:
    """Import one organisation file of ``kind`` (units, teams, employees, assignments) in
    the caller's transaction; raises :class:`ValidationFailed` listing every problem, with
    nothing written, when the file is not clean."""
    if kind not in KINDS:
        raise InputError(
            _(
                "Unknown organisation file kind {kind}: use {kinds}.",
                kind=kind,
                kinds=", ".join(KINDS),
            )
        )
    required, optional, run = KINDS[kind]
    p = Path(path)
    check = _read(p, required, optional)
    created = updated = 0
    if not check.problems:
        created, updated = run(session, check)
    if check.problems:  # found before anything was written
        raise ValidationFailed(
            _(
                "{file}: {n} problems found; nothing was imported. "
                "Fix them and import the file again.",
                file=p.name,
                n=len(check.problems),
            ),
            sorted(check.problems, key=lambda pr: (pr.row or 0, pr.column or "")),
        )
    record(
        session,
        actor_id=actor_id,
        action="import",
        entity=f"org_{kind}",
        entity_id=p.name,
        after={"rows": len(check.rows), "created": created, "updated": updated},
    )
    return ImportResult(kind=kind, rows=len(check.rows), created=created, updated=updated)
