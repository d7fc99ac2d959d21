"""Recording whole responses at once (the demo, answers collected elsewhere): checked with
the same rules as the web form, then written in bulk — all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cxm.errors import Problem, ValidationFailed
from cxm.i18n import _
from cxm.surveys.answering import ANSWERS, INVITATIONS, RESPONSES, answer_rows, missing_required
from cxm.surveys.models import InvitationStatus, QuestionnaireVersion
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.validation import AnswerError, AnswerValue, coerce_answer, is_shown

__all__ = ["CompletedResponse", "record_responses"]

#: Rows per INSERT batch.
BATCH = 5000


@dataclass(frozen=True, slots=True)
class CompletedResponse:
    """The answers of one invitation: question code → raw value (a number, a choice code,
    a list of codes, free text, ``"dk"`` for "don't know", or ``None``)."""

    invitation_id: int
    answers: Mapping[str, Any]
    completed_at: datetime
    language: str = "zh-CN"
    minutes: float = 6.0
    extra: dict[str, Any] = field(default_factory=dict)


def _latest_versions(session: Session, ids: set[int]) -> dict[int, tuple[int, QuestionnaireDef]]:
    out: dict[int, tuple[int, QuestionnaireDef]] = {}
    rows = session.execute(
        select(
            QuestionnaireVersion.questionnaire_id,
            QuestionnaireVersion.id,
            QuestionnaireVersion.definition,
        )
        .where(QuestionnaireVersion.questionnaire_id.in_(ids))
        .order_by(QuestionnaireVersion.number)
    )
    for qid, vid, data in rows:
        out[qid] = (vid, QuestionnaireDef.model_validate(data))
    return out


def _check(
    row: int, item: CompletedResponse, definition: QuestionnaireDef, problems: list[Problem]
) -> dict[str, AnswerValue]:
    values: dict[str, AnswerValue] = {}
    known = {q.code: q for q in definition.questions()}
    problems.extend(
        Problem(row, code, None, _("Unknown question {code}.", code=code))
        for code in item.answers
        if code not in known
    )
    for q in definition.questions():
        if not is_shown(q, values):
            continue
        try:
            value = coerce_answer(q, item.answers.get(q.code))
        except AnswerError as exc:
            problems.append(Problem(row, q.code, str(item.answers.get(q.code))[:80], str(exc)))
            continue
        if value is not None:
            values[q.code] = value
    problems.extend(
        Problem(row, code, None, _("Please answer this question."))
        for code in missing_required(definition, values)
    )
    return values


def record_responses(
    session: Session,
    *,
    items: Sequence[CompletedResponse],
    source: str = "import",
    interviewer_id: int | None = None,
) -> list[int]:
    """Write completed responses for invitations that have none; returns their ids.

    Every answer is checked as on the web form (range, whole numbers, choices, required,
    conditions on the latest version); any problem — or an invitation that is unknown or
    answered already — refuses the whole call with :class:`ValidationFailed` listing them
    (row = position in ``items``, from 1). ``interviewer_id``: the staff user who entered
    the answers on the respondents' behalf (``source="interview"``).
    """
    if not items:
        return []
    ids = [i.invitation_id for i in items]
    invitations: dict[int, Any] = {}
    answered: set[int] = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for row in session.execute(select(INVITATIONS).where(INVITATIONS.c.id.in_(chunk))):
            invitations[row.id] = row
        answered |= set(
            session.scalars(
                select(RESPONSES.c.invitation_id).where(RESPONSES.c.invitation_id.in_(chunk))
            )
        )
    versions = _latest_versions(session, {r.questionnaire_id for r in invitations.values()})
    problems: list[Problem] = []
    checked: list[dict[str, AnswerValue]] = []
    seen: set[int] = set()
    for n, item in enumerate(items, start=1):
        inv = invitations.get(item.invitation_id)
        if inv is None or inv.questionnaire_id not in versions:
            problems.append(
                Problem(n, "invitation_id", str(item.invitation_id), _("no such invitation"))
            )
            checked.append({})
            continue
        if item.invitation_id in answered or item.invitation_id in seen:
            problems.append(
                Problem(n, "invitation_id", str(item.invitation_id), _("answered already"))
            )
        seen.add(item.invitation_id)
        checked.append(_check(n, item, versions[inv.questionnaire_id][1], problems))
    if problems:
        raise ValidationFailed(
            _("{n} problems in the responses; nothing was recorded.", n=len(problems)), problems
        )
    rows = []
    for item in items:
        inv = invitations[item.invitation_id]
        rows.append(
            {
                "invitation_id": inv.id,
                "version_id": versions[inv.questionnaire_id][0],
                "questionnaire_id": inv.questionnaire_id,
                "wave_id": inv.wave_id,
                "customer_id": inv.customer_id,
                "touchpoint_id": inv.touchpoint_id,
                "employee_id": inv.employee_id,
                "team_id": inv.team_id,
                "language": item.language,
                "page_reached": len(versions[inv.questionnaire_id][1].pages) - 1,
                "started_at": item.completed_at - timedelta(minutes=item.minutes),
                "completed_at": item.completed_at,
                "created_at": item.completed_at,
                "updated_at": item.completed_at,
                "source": source,
                "interviewer_id": interviewer_id,
            }
        )
    response_ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        stmt = insert(RESPONSES).returning(RESPONSES.c.id, sort_by_parameter_order=True)
        response_ids += list(session.scalars(stmt, rows[start : start + BATCH]))
    answer_batch: list[dict[str, Any]] = []
    for rid, values in zip(response_ids, checked, strict=True):
        answer_batch += answer_rows(rid, values)
        if len(answer_batch) >= BATCH:
            session.execute(insert(ANSWERS), answer_batch)
            answer_batch = []
    if answer_batch:
        session.execute(insert(ANSWERS), answer_batch)
    for start in range(0, len(ids), BATCH):
        session.execute(
            update(INVITATIONS)
            .where(INVITATIONS.c.id.in_(ids[start : start + BATCH]))
            .values(status=InvitationStatus.COMPLETED.value)
        )
    return response_ids
