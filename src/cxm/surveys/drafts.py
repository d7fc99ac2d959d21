"""Questionnaires written in the workspace: the shipped templates as editable YAML, a check
that places every error on its line and field, and what changed between versions.

The same definitions as ``cxm surveys`` (``load_definition``/``save_questionnaire``): the
page only adds line numbers to the problems and a diff of the questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.errors import NotFound, Problem, ValidationFailed
from cxm.i18n import _
from cxm.surveys.loader import parse_definition, parse_yaml
from cxm.surveys.models import Questionnaire, QuestionnaireVersion, Response
from cxm.surveys.questionnaires import get_questionnaire
from cxm.surveys.schema import QuestionDef, QuestionnaireDef, pick_text

__all__ = [
    "TEMPLATES",
    "QuestionChange",
    "VersionView",
    "check_text",
    "definition_text",
    "question_changes",
    "template_text",
    "version_definition",
    "versions_of",
]

#: name → (file in ``surveys/templates``, code to give it, what it measures).
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "acsi": (
        "acsi",
        "acsi",
        "ACSI: expectations, quality, value, satisfaction, complaints, loyalty",
    ),
    "ecsi": ("ccsi", "ecsi", "ECSI: the ACSI constructs and company image (24 items)"),
    "ccsi": ("ccsi", "ccsi", "CCSI: the ECSI items, importance and the invisible scorecard"),
    "csat": ("csat", "csat", "CSAT: overall satisfaction on five points and why"),
    "nps": ("nps", "nps", "NPS: likelihood to recommend (0–10) and why"),
    "ces": ("ces", "ces", "CES: customer effort on seven points and why"),
    "follow_up": ("case_followup", "case_followup", "Follow-up after a complaint case"),
}


def template_text(name: str) -> str:
    """The YAML of template ``name``, ready to edit (its code set to the template's)."""
    if name not in TEMPLATES:
        raise NotFound(
            _("No template {name}: use one of {names}.", name=name, names=", ".join(TEMPLATES))
        )
    file, code, _what = TEMPLATES[name]
    text = resources.files("cxm.surveys").joinpath("templates", f"{file}.yaml").read_text("utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("code:"):
            lines[i] = f"code: {code}\n"
            break
    return "".join(lines)


def _node_line(root: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """The line (from 1) of the deepest YAML node on ``path`` (keys and list indexes)."""
    node, line = root, None
    if node is not None:
        line = node.start_mark.line + 1
    for step in path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    nxt = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(step, int)
            and 0 <= step < len(node.value)
        ):
            nxt = node.value[step]
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


def _path(column: str | None) -> tuple[Any, ...]:
    if not column:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in column.split("."))


def check_text(text: str, *, source: str = "questionnaire.yaml") -> QuestionnaireDef:
    """Parse and validate a questionnaire's YAML; :class:`ValidationFailed` lists every
    problem with its line (``row``) and field path (``column``)."""
    if not text.strip():
        raise ValidationFailed(
            _("The questionnaire is empty: paste YAML or start from a template."),
            [Problem(None, None, None, _("empty"))],
        )
    data = parse_yaml(text, source=source)
    try:
        return parse_definition(data, source=source)
    except ValidationFailed as exc:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:  # parsed above: cannot happen, but never hide the problems
            root = None
        problems = [
            Problem(_node_line(root, _path(p.column)), p.column, p.value, p.reason)
            for p in exc.problems
        ]
        raise ValidationFailed(exc.message, problems) from None


def definition_text(definition: QuestionnaireDef) -> str:
    """A definition as YAML to edit (the saved form: no anchors, every field spelled)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 10× faster
    return yaml.dump(
        definition.as_json(), Dumper=dumper, allow_unicode=True, sort_keys=False, width=100
    )


@dataclass(frozen=True, slots=True)
class QuestionChange:
    code: str
    #: added, removed or changed
    kind: str
    #: For a change: the fields that differ (text, type, choices, required…).
    fields: tuple[str, ...]
    text: str


def question_changes(
    old: QuestionnaireDef | None, new: QuestionnaireDef, *, lang: str = "en"
) -> list[QuestionChange]:
    """What changed from ``old`` to ``new``, question by question, in ``new``'s order
    (removed questions last). Moving a question to another page counts as a change."""
    before: dict[str, tuple[int, QuestionDef]] = {}
    if old is not None:
        before = {q.code: (old.page_of()[q.code], q) for q in old.questions()}
    pages = new.page_of()
    out = []
    for q in new.questions():
        if q.code not in before:
            out.append(QuestionChange(q.code, "added", (), pick_text(q.text, lang)))
            continue
        page, was = before[q.code]
        a = was.model_dump(mode="json", by_alias=True, exclude_none=True)
        b = q.model_dump(mode="json", by_alias=True, exclude_none=True)
        fields = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
        if page != pages[q.code]:
            fields.append("page")
        if fields:
            out.append(QuestionChange(q.code, "changed", tuple(fields), pick_text(q.text, lang)))
    codes = {q.code for q in new.questions()}
    out += [
        QuestionChange(code, "removed", (), pick_text(q.text, lang))
        for code, (_page, q) in before.items()
        if code not in codes
    ]
    return out


@dataclass(frozen=True, slots=True)
class VersionView:
    number: int
    created_at: datetime | None
    updated_at: datetime | None
    questions: int
    responses: int
    changes: list[QuestionChange]


def versions_of(session: Session, *, code: str, lang: str = "en") -> list[VersionView]:
    """The questionnaire's versions, newest first, each with its changes from the one
    before and how many responses it has."""
    q = get_questionnaire(session, code=code)
    rows = list(
        session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.questionnaire_id == q.id)
            .order_by(QuestionnaireVersion.number)
        )
    )
    counts = dict(
        session.execute(
            select(Response.version_id, func.count())
            .where(Response.questionnaire_id == q.id)
            .group_by(Response.version_id)
        ).all()
    )
    out, previous = [], None
    for v in rows:
        d = QuestionnaireDef.model_validate(v.definition)
        out.append(
            VersionView(
                number=v.number,
                created_at=v.created_at,
                updated_at=v.updated_at,
                questions=len(d.questions()),
                responses=int(counts.get(v.id, 0)),
                changes=question_changes(previous, d, lang=lang),
            )
        )
        previous = d
    return out[::-1]


def version_definition(
    session: Session, *, code: str, number: int | None = None
) -> tuple[Questionnaire, int, QuestionnaireDef]:
    """``(questionnaire, version number, definition)`` of version ``number`` (default the
    latest)."""
    q = get_questionnaire(session, code=code)
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == q.id)
    if number is None:
        query = query.order_by(QuestionnaireVersion.number.desc()).limit(1)
    else:
        query = query.where(QuestionnaireVersion.number == number)
    v = session.scalar(query)
    if v is None:
        raise NotFound(_("{code} has no version {n}.", code=code, n=number))
    return q, v.number, QuestionnaireDef.model_validate(v.definition)
