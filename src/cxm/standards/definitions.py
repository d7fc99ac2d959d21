"""Standards files (YAML): parse and validate every standard, then save them in one transaction.

A file looks like::

    fields:                       # what each source records, so rules can be checked
      touchpoints: {wait_seconds: number, greeted: bool}
      purchases: {promised_on: datetime, delivered_on: datetime}
    standards:
      - code: CALL-20S
        name: Answer the phone within 20 seconds
        stage: pre_sale           # journey-stage code
        kind: procedure           # product, procedure or people
        owner: Call-centre manager
        unit: call                # what one opportunity is
        source: touchpoints       # touchpoints, purchases, responses, cases or shopping
        applies: channel == "phone"
        rule: wait_seconds <= 20
        target: 0.95              # the share met the firm promises

Every problem of the file is reported at once (standard number, field, value, reason) and
nothing is saved unless the whole file is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _
from cxm.standards.case_clocks import CASE_FIELDS
from cxm.standards.models import Standard, StandardField
from cxm.standards.rules import FIELD_TYPES, RuleError, compile_rule

__all__ = [
    "BUILTIN_FIELDS",
    "KINDS",
    "SOURCES",
    "STAGED_SOURCES",
    "LoadResult",
    "StandardSpec",
    "StandardsFile",
    "field_schema",
    "list_standards",
    "load_standards",
    "parse_standards",
    "saved_fields",
]

KINDS: tuple[str, ...] = ("product", "procedure", "people")
SOURCES: tuple[str, ...] = ("touchpoints", "purchases", "responses", "cases", "shopping")
#: Sources whose records carry a journey stage of their own (a response: its touchpoint's).
STAGED_SOURCES: tuple[str, ...] = ("touchpoints", "responses")

#: Fields every record of a source has, whatever the firm records besides.
BUILTIN_FIELDS: dict[str, dict[str, str]] = {
    "touchpoints": {"channel": "text", "team": "text", "occurred_at": "datetime"},
    "purchases": {
        "product": "text",
        "quantity": "number",
        "revenue": "number",
        "cost": "number",
        "purchased_on": "datetime",
    },
    "responses": {"channel": "text", "team": "text", "completed_at": "datetime"},
    "cases": CASE_FIELDS,
    "shopping": {},
}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_STAGE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class StandardSpec:
    code: str
    name: str
    stage: str
    kind: str
    owner: str
    unit: str
    source: str
    rule: str | None = None
    applies: str | None = None
    target: float | None = None


@dataclass(frozen=True)
class StandardsFile:
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    standards: list[StandardSpec] = field(default_factory=list)


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    fields: int


def field_schema(source: str, declared: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The fields a rule over ``source`` may read: the built-in ones and the declared ones."""
    return {**BUILTIN_FIELDS.get(source, {}), **dict(declared.get(source, {}))}


def _text(raw: Mapping[str, Any], key: str, problems: list[Problem], row: int) -> str:
    value = raw.get(key)
    if value is None or not str(value).strip():
        problems.append(Problem(row, key, None, _("is required")))
        return ""
    return str(value).strip()


def _parse_fields(raw: Any, problems: list[Problem]) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem(None, "fields", str(raw), _("must map a source to its fields")))
        return {}
    out: dict[str, dict[str, str]] = {}
    for source, names in raw.items():
        if source not in SOURCES or source in ("shopping", "cases"):
            problems.append(
                Problem(
                    None, "fields", str(source), _("must be touchpoints, purchases or responses")
                )
            )
            continue
        if not isinstance(names, dict):
            problems.append(Problem(None, f"fields.{source}", str(names), _("must map names")))
            continue
        for name, kind in names.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", str(name)):
                problems.append(
                    Problem(None, f"fields.{source}", str(name), _("is not a valid field name"))
                )
            elif kind not in FIELD_TYPES:
                problems.append(
                    Problem(
                        None,
                        f"fields.{source}.{name}",
                        str(kind),
                        _("must be number, text, bool or datetime"),
                    )
                )
            else:
                out.setdefault(str(source), {})[str(name)] = str(kind)
    return out


def parse_standards(
    text: str, *, known_fields: Mapping[str, Mapping[str, str]] | None = None
) -> StandardsFile:
    """Parse and validate a standards file; raise :class:`ValidationFailed` listing every
    problem (``row`` is the standard's position in the list, from 1)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(_("The standards file is not valid YAML: {error}", error=exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("standards"), list):
        raise InputError(_("The standards file needs a list under standards:."))
    problems: list[Problem] = []
    declared = _parse_fields(doc.get("fields"), problems)
    fields: dict[str, dict[str, str]] = {
        s: {**dict((known_fields or {}).get(s, {})), **declared.get(s, {})}
        for s in ("touchpoints", "purchases", "responses")
    }
    specs: list[StandardSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["standards"], start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(i, None, str(raw), _("must be a mapping of fields")))
            continue
        before = len(problems)
        code = _text(raw, "code", problems, i)
        if code and not _CODE.match(code):
            problems.append(Problem(i, "code", code, _("use letters, digits, - _ . (≤ 40)")))
        if code in seen:
            problems.append(Problem(i, "code", code, _("appears twice in the file")))
        seen.add(code)
        name = _text(raw, "name", problems, i)
        stage = _text(raw, "stage", problems, i)
        if stage and not _STAGE.match(stage):
            problems.append(Problem(i, "stage", stage, _("is not a journey-stage code")))
        kind = _text(raw, "kind", problems, i)
        if kind and kind not in KINDS:
            problems.append(Problem(i, "kind", kind, _("must be product, procedure or people")))
        owner = _text(raw, "owner", problems, i)
        unit = _text(raw, "unit", problems, i)
        source = _text(raw, "source", problems, i)
        if source and source not in SOURCES:
            problems.append(
                Problem(
                    i,
                    "source",
                    source,
                    _("must be touchpoints, purchases, responses, cases or shopping"),
                )
            )
        rule = str(raw["rule"]).strip() if raw.get("rule") is not None else None
        applies = str(raw["applies"]).strip() if raw.get("applies") is not None else None
        if source == "shopping":
            if rule or applies:
                problems.append(
                    Problem(i, "rule", rule or applies, _("a checklist line has no rule"))
                )
            if kind and kind != "people":
                problems.append(
                    Problem(i, "kind", kind, _("a checklist line is a people standard"))
                )
        elif source in SOURCES:
            if not rule:
                problems.append(Problem(i, "rule", None, _("is required")))
            schema = field_schema(source, fields)
            for key, expr in (("rule", rule), ("applies", applies)):
                if expr:
                    try:
                        compile_rule(expr, schema)
                    except RuleError as exc:
                        problems.append(Problem(i, key, expr, exc.message))
        target = raw.get("target")
        if target is not None:
            try:
                target = float(target)
            except (TypeError, ValueError):
                target = -1.0
            if not 0 <= target <= 1:
                problems.append(
                    Problem(i, "target", str(raw.get("target")), _("must be a share from 0 to 1"))
                )
        if len(problems) == before:
            specs.append(
                StandardSpec(code, name, stage, kind, owner, unit, source, rule, applies, target)
            )
    if problems:
        raise ValidationFailed(
            _("The standards file has {n} problem(s); nothing was saved.", n=len(problems)),
            problems,
        )
    return StandardsFile(declared, specs)


def saved_fields(session: Session) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for f in session.scalars(select(StandardField)):
        out.setdefault(f.source, {})[f.name] = f.type
    return out


def load_standards(session: Session, text: str) -> LoadResult:
    """Validate a standards file and save it: new codes are added, known codes updated."""
    parsed = parse_standards(text, known_fields=saved_fields(session))
    existing_fields = {(f.source, f.name): f for f in session.scalars(select(StandardField))}
    n_fields = 0
    for source, names in parsed.fields.items():
        for name, kind in names.items():
            row = existing_fields.get((source, name))
            if row is None:
                session.add(StandardField(source=source, name=name, type=kind))
            else:
                row.type = kind
            n_fields += 1
    existing = {s.code: s for s in session.scalars(select(Standard))}
    created = updated = 0
    for spec in parsed.standards:
        row2 = existing.get(spec.code)
        keys = ("name", "stage", "kind", "owner", "unit", "source", "rule", "applies", "target")
        if row2 is None:
            row2 = Standard(code=spec.code, active=True)
            session.add(row2)
            created += 1
        elif not row2.active or any(getattr(row2, k) != getattr(spec, k) for k in keys):
            updated += 1  # a standard loaded again as it was is not "updated"
        for key in keys:
            setattr(row2, key, getattr(spec, key))
        row2.active = True
    session.flush()
    from cxm.audit import record

    record(
        session,
        actor_id=None,
        action="load",
        entity="standards",
        entity_id="catalogue",
        after={"created": created, "updated": updated, "fields": n_fields},
    )
    return LoadResult(created, updated, n_fields)


def list_standards(session: Session, *, stage: str | None = None) -> pd.DataFrame:
    """The standards, by stage then code: code, name, stage, kind, owner, unit, source, rule,
    applies, target."""
    q = select(Standard).where(Standard.active.is_(True)).order_by(Standard.stage, Standard.code)
    if stage:
        q = q.where(Standard.stage == stage)
    cols = ["code", "name", "stage", "kind", "owner", "unit", "source", "rule", "applies", "target"]
    rows = [[getattr(s, c) for c in cols] for s in session.scalars(q)]
    return pd.DataFrame(rows, columns=cols)
