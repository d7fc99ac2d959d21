"""Process steps per journey stage, with the flow-chart questions of the source documents.

The second source document asks the firm to draw the flow chart of each service process and
look for: the rules that block service to the customer, redundant steps, work that could run
at the same time, the hand-off points, steps that could be automated, and inconsistencies —
with one named person responsible for each step. A steps file records those answers::

    steps:
      - code: HOTLINE-ANSWER
        stage: after_sale              # a stage of the active journey
        name: {zh-CN: 接听热线, en: answer the hotline}
        owner: 呼叫中心主管             # required: one owner per step
        team: 呼叫中心                  # who does it; a change of team is a hand-off
        touchpoint_type: hotline       # its touchpoints measure waiting and repeats
        standards: [CALL-20S]          # standards measured at this step
        blocking_rule: 没有小票不受理    # a rule that blocks service (optional)
        redundant: 再次登记客户信息       # why the step may be redundant (optional)
        parallel_with: HOTLINE-LOOKUP  # a step of the same stage it could run beside
        inconsistency: 与门店退货规定矛盾 # a contradiction with another step (optional)
        automation: 自动识别来电客户      # what could be automated (optional)
        max_wait_hours: 24             # the longest acceptable wait before this step

Every problem of the file is reported at once (step number, field, value, reason); the
whole map replaces the previous one in one transaction, or nothing is saved.

The steps name the standards measured at them, so they live with the standards (moved from
``cxm.journey``, which sits below; their table stays :class:`cxm.journey.models.ProcessStep`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _
from cxm.journey.models import ProcessStep

__all__ = ["FLOW_QUESTIONS", "StepSpec", "list_steps", "load_steps", "parse_steps"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: The flow-chart questions a step may answer in words (besides owner and hand-offs).
FLOW_QUESTIONS: tuple[str, ...] = ("blocking_rule", "redundant", "inconsistency", "automation")
_KNOWN = {
    "code",
    "stage",
    "name",
    "owner",
    "team",
    "touchpoint_type",
    "standards",
    "parallel_with",
    "max_wait_hours",
    *FLOW_QUESTIONS,
}


@dataclass(frozen=True)
class StepSpec:
    code: str
    stage: str
    name: dict[str, str]
    owner: str
    team: str | None = None
    touchpoint_type: str | None = None
    standards: tuple[str, ...] = ()
    blocking_rule: str | None = None
    redundant: str | None = None
    parallel_with: str | None = None
    inconsistency: str | None = None
    automation: str | None = None
    max_wait_hours: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _opt(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def parse_steps(
    text: str,
    *,
    stages: list[str],
    touchpoint_types: dict[str, str],
    standards: dict[str, str],
) -> list[StepSpec]:
    """Parse and check a steps file against the active journey (``stages`` in order,
    ``touchpoint_types`` code → stage) and the standards (code → stage). Raises
    :class:`ValidationFailed` listing every problem (``row`` = the step's place, from 1)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(_("The steps file is not valid YAML: {error}", error=exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list) or not doc["steps"]:
        raise InputError(_("The steps file needs a non-empty list under steps:."))
    problems: list[Problem] = []
    specs: list[StepSpec] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(doc["steps"], start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(i, None, str(raw), _("must be a mapping of fields")))
            continue
        before = len(problems)
        problems.extend(
            Problem(i, key, None, _("is not a field of a step"))
            for key in sorted(set(map(str, raw)) - _KNOWN)
        )
        code = _opt(raw, "code") or ""
        if not code:
            problems.append(Problem(i, "code", None, _("is required")))
        elif not _CODE.match(code):
            problems.append(Problem(i, "code", code, _("use letters, digits, - _ . (≤ 40)")))
        elif code in seen:
            problems.append(Problem(i, "code", code, _("appears twice in the file")))
        stage = _opt(raw, "stage") or ""
        if not stage:
            problems.append(Problem(i, "stage", None, _("is required")))
        elif stage not in stages:
            problems.append(
                Problem(
                    i,
                    "stage",
                    stage,
                    _("is not a stage of the active journey ({stages})", stages=", ".join(stages)),
                )
            )
        seen[code] = stage
        owner = _opt(raw, "owner")
        if owner is None:
            problems.append(
                Problem(i, "owner", None, _("is required: every step has one named owner"))
            )
        name = raw.get("name")
        if isinstance(name, str) and name.strip():
            names = {"zh-CN": name.strip(), "en": name.strip()}
        elif isinstance(name, dict) and any(str(v).strip() for v in name.values()):
            names = {str(k): str(v).strip() for k, v in name.items() if str(v).strip()}
        else:
            names = {}
            problems.append(Problem(i, "name", None, _("is required")))
        tp_type = _opt(raw, "touchpoint_type")
        if tp_type is not None and tp_type not in touchpoint_types:
            problems.append(
                Problem(
                    i,
                    "touchpoint_type",
                    tp_type,
                    _(
                        "is not a touchpoint type of the active journey ({types})",
                        types=", ".join(sorted(touchpoint_types)) or "—",
                    ),
                )
            )
        elif tp_type is not None and stage and touchpoint_types[tp_type] != stage:
            problems.append(
                Problem(
                    i,
                    "touchpoint_type",
                    tp_type,
                    _(
                        "belongs to stage {other}, not {stage}",
                        other=touchpoint_types[tp_type],
                        stage=stage,
                    ),
                )
            )
        raw_standards = raw.get("standards") or []
        if isinstance(raw_standards, str):
            raw_standards = [raw_standards]
        if not isinstance(raw_standards, list):
            problems.append(Problem(i, "standards", str(raw_standards), _("must be a list")))
            raw_standards = []
        problems.extend(
            Problem(i, "standards", std, _("is not a loaded standard"))
            for std in map(str, raw_standards)
            if std not in standards
        )
        wait = raw.get("max_wait_hours")
        if wait is not None:
            try:
                wait = float(wait)
            except (TypeError, ValueError):
                wait = -1.0
            if not 0 < wait < 100_000:
                problems.append(
                    Problem(i, "max_wait_hours", str(raw["max_wait_hours"]), _("must be hours > 0"))
                )
        if len(problems) == before:
            specs.append(
                StepSpec(
                    code=code,
                    stage=stage,
                    name=names,
                    owner=owner or "",
                    team=_opt(raw, "team"),
                    touchpoint_type=tp_type,
                    standards=tuple(map(str, raw_standards)),
                    blocking_rule=_opt(raw, "blocking_rule"),
                    redundant=_opt(raw, "redundant"),
                    parallel_with=_opt(raw, "parallel_with"),
                    inconsistency=_opt(raw, "inconsistency"),
                    automation=_opt(raw, "automation"),
                    max_wait_hours=wait,
                )
            )
    for i, spec in enumerate(specs, start=1):
        other = spec.parallel_with
        if other is None:
            continue
        if other == spec.code or other not in seen:
            problems.append(
                Problem(i, "parallel_with", other, _("is not another step of the file"))
            )
        elif seen[other] != spec.stage:
            problems.append(Problem(i, "parallel_with", other, _("is a step of another stage")))
    if problems:
        raise ValidationFailed(
            _("The steps file has {n} problem(s); nothing was saved.", n=len(problems)), problems
        )
    return specs


def load_steps(session: Session, text: str, *, actor_id: int | None = None) -> int:
    """Check a steps file against the active journey and the standards and replace the
    stored process map with it; returns the number of steps."""
    from cxm.audit import record
    from cxm.journey.service import active_journey
    from cxm.standards.models import Standard

    journey = active_journey(session)
    stages = [s.code for s in journey.stages]
    types = {t.code: t.stage_code for t in journey.touchpoint_types}
    standards = {
        str(code): str(stage)
        for code, stage in session.execute(
            select(Standard.code, Standard.stage).where(Standard.active.is_(True))
        )
    }
    specs = parse_steps(text, stages=stages, touchpoint_types=types, standards=standards)
    order = {code: k for k, code in enumerate(stages)}
    before = session.scalar(select(ProcessStep.id).limit(1)) is not None
    session.execute(delete(ProcessStep))
    positions: dict[str, int] = {}
    for spec in sorted(specs, key=lambda s: order[s.stage]):  # stable: file order per stage
        positions[spec.stage] = positions.get(spec.stage, 0) + 1
        session.add(
            ProcessStep(
                code=spec.code,
                stage=spec.stage,
                position=positions[spec.stage],
                name=spec.name,
                owner=spec.owner,
                team=spec.team,
                touchpoint_type=spec.touchpoint_type,
                standards=list(spec.standards),
                blocking_rule=spec.blocking_rule,
                redundant=spec.redundant,
                parallel_with=spec.parallel_with,
                inconsistency=spec.inconsistency,
                automation=spec.automation,
                max_wait_hours=spec.max_wait_hours,
            )
        )
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="replace" if before else "create",
        entity="process_steps",
        entity_id="map",
        after={"steps": len(specs), "stages": sorted(positions)},
    )
    return len(specs)


_COLUMNS = [
    "order",
    "stage",
    "position",
    "code",
    "name",
    "owner",
    "team",
    "touchpoint_type",
    "standards",
    "blocking_rule",
    "redundant",
    "parallel_with",
    "inconsistency",
    "automation",
    "max_wait_hours",
]


def list_steps(session: Session) -> pd.DataFrame:
    """The stored steps in journey order (stage order, then position); ``order`` counts
    from 1 along the whole journey."""
    from cxm.journey.service import active_journey

    stage_order = {s.code: k for k, s in enumerate(active_journey(session).stages)}
    rows = list(session.scalars(select(ProcessStep)))
    rows.sort(key=lambda r: (stage_order.get(r.stage, len(stage_order)), r.position))
    out = pd.DataFrame(
        [
            [
                k,
                r.stage,
                r.position,
                r.code,
                dict(r.name or {}),
                r.owner,
                r.team,
                r.touchpoint_type,
                list(r.standards or []),
                r.blocking_rule,
                r.redundant,
                r.parallel_with,
                r.inconsistency,
                r.automation,
                r.max_wait_hours,
            ]
            for k, r in enumerate(rows, start=1)
        ],
        columns=_COLUMNS,
    )
    return out
