"""Record what the standards measure: field values of touchpoints and purchases (from a file)
and mystery-shopping visits (from a file or the shopper's form). All or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cxm.customers.models import Purchase, Touchpoint
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _
from cxm.standards.definitions import saved_fields
from cxm.standards.models import RecordFields, ShoppingAnswer, ShoppingVisit, Standard
from cxm.store.chunks import in_chunks

__all__ = ["checklist", "import_visits", "parse_yes_no", "record_fields", "record_visit"]

_YES = {"1", "yes", "y", "true", "met", "是", "符合"}
_NO = {"0", "no", "n", "false", "not met", "否", "不符合"}


def parse_yes_no(value: Any) -> bool | None:
    """``True``/``False`` for yes/no words (English or Chinese), ``None`` for blank."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _YES or text == "1.0":
        return True
    if text in _NO or text == "0.0":
        return False
    raise ValueError(text)


def _typed(kind: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    if kind == "number":
        return float(value)
    if kind == "bool":
        return parse_yes_no(value)
    if kind == "datetime":
        return pd.Timestamp(str(value)).isoformat()
    return str(value)


def record_fields(
    session: Session, frame: pd.DataFrame, *, source: str, id_column: str = "external_id"
) -> int:
    """Store the declared field values of touchpoints or purchases named by ``id_column``.

    Every column other than the id must be a declared field of ``source``; values are checked
    against the field's type. Returns the number of records written.
    """
    if source not in ("touchpoints", "purchases"):
        raise InputError(
            _("--source must be touchpoints or purchases (got {value}).", value=source)
        )
    if id_column not in frame.columns:
        raise InputError(_("The file has no {column} column.", column=id_column))
    declared = saved_fields(session).get(source, {})
    unknown = [c for c in frame.columns if c != id_column and c not in declared]
    if unknown:
        raise InputError(
            _(
                "Columns {columns} are not declared fields of {source}; declared: {fields}.",
                columns=", ".join(map(str, unknown)),
                source=source,
                fields=", ".join(sorted(declared)) or "—",
            )
        )
    model = Touchpoint if source == "touchpoints" else Purchase
    ids = dict(session.execute(select(model.external_id, model.id)).all())
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(frame.to_dict(orient="records"), start=1):
        key = str(rec[id_column]).strip()
        record_id = ids.get(key)
        if record_id is None:
            problems.append(Problem(i, id_column, key, _("no such record")))
            continue
        values: dict[str, Any] = {}
        for name, kind in declared.items():
            if name not in rec:
                continue
            try:
                values[name] = _typed(kind, rec[name])
            except (TypeError, ValueError):
                problems.append(Problem(i, name, str(rec[name]), _("is not a {kind}", kind=kind)))
        rows.append({"source": source, "record_id": record_id, "values": values})
    if problems:
        raise ValidationFailed(
            _("{n} problem(s) in the file; nothing was saved.", n=len(problems)), problems
        )
    record_ids = [r["record_id"] for r in rows]
    for part in in_chunks(record_ids):
        session.execute(
            delete(RecordFields)
            .where(RecordFields.source == source)
            .where(RecordFields.record_id.in_(part))
        )
    if rows:
        session.connection().execute(insert(RecordFields), rows)
    return len(rows)


def checklist(session: Session, stage: str | None = None) -> list[Standard]:
    """The checklist lines (shopping standards), by stage and code."""
    q = (
        select(Standard)
        .where(Standard.source == "shopping", Standard.active.is_(True))
        .order_by(Standard.stage, Standard.code)
    )
    if stage:
        q = q.where(Standard.stage == stage)
    return list(session.scalars(q))


@dataclass(frozen=True)
class VisitInput:
    visited_at: datetime
    stage: str
    location: str
    team: str | None
    shopper: str
    answers: Mapping[str, bool]
    note: str | None = None


def record_visit(session: Session, visit: VisitInput) -> int:
    """Save one visit and its answers; every answered code must be a checklist line."""
    lines = {s.code: s for s in checklist(session)}
    unknown = [c for c in visit.answers if c not in lines]
    if unknown:
        raise InputError(_("{codes} are not checklist lines.", codes=", ".join(sorted(unknown))))
    if not visit.answers:
        raise InputError(_("A visit needs at least one checklist answer."))
    for label, value in (("location", visit.location), ("shopper", visit.shopper)):
        if not value.strip():
            raise InputError(_("The visit's {field} is required.", field=label))
    row = ShoppingVisit(
        visited_at=visit.visited_at,
        stage=visit.stage,
        location=visit.location.strip(),
        team=(visit.team or "").strip() or None,
        shopper=visit.shopper.strip(),
        note=visit.note,
    )
    session.add(row)
    session.flush()
    session.execute(
        insert(ShoppingAnswer),
        [
            {"visit_id": row.id, "standard_id": lines[c].id, "met": bool(m)}
            for c, m in visit.answers.items()
        ],
    )
    return row.id


def import_visits(session: Session, frame: pd.DataFrame) -> int:
    """Visits from a file: ``visited_at``, ``stage``, ``location``, ``team``, ``shopper`` and
    one yes/no column per checklist code (blank = not observed)."""
    required = ["visited_at", "stage", "location", "shopper"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(_("The file has no {column} column.", column=", ".join(missing)))
    lines = {s.code for s in checklist(session)}
    codes = [c for c in frame.columns if c in lines]
    extra = [c for c in frame.columns if c not in lines and c not in [*required, "team", "note"]]
    if extra:
        raise InputError(_("{codes} are not checklist lines.", codes=", ".join(map(str, extra))))
    problems: list[Problem] = []
    visits: list[VisitInput] = []
    for i, rec in enumerate(frame.to_dict(orient="records"), start=1):
        try:
            when = pd.Timestamp(str(rec["visited_at"])).to_pydatetime()
        except ValueError:
            problems.append(Problem(i, "visited_at", str(rec["visited_at"]), _("is not a date")))
            continue
        answers: dict[str, bool] = {}
        for c in codes:
            try:
                v = parse_yes_no(rec[c])
            except ValueError:
                problems.append(Problem(i, c, str(rec[c]), _("must be yes or no")))
                continue
            if v is not None:
                answers[c] = v
        team = rec.get("team")
        visits.append(
            VisitInput(
                when,
                str(rec["stage"]),
                str(rec["location"] or ""),
                None if team is None or team != team else str(team),
                str(rec["shopper"] or ""),
                answers,
            )
        )
    if problems:
        raise ValidationFailed(
            _("{n} problem(s) in the file; nothing was saved.", n=len(problems)), problems
        )
    for visit in visits:
        record_visit(session, visit)
    return len(visits)
