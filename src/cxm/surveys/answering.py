"""Shared pieces of answering: the definition of a version (cached), saved answers, the
claim of an invitation (one response per invitation) and which pages are visible."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from threading import Lock
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cxm.surveys.models import Answer, Invitation, QuestionnaireVersion, Response
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.validation import AnswerValue, is_shown

__all__ = [
    "answer_rows",
    "claim_response",
    "definition_of",
    "missing_required",
    "saved_answers",
    "visible_pages",
]

_cache: dict[tuple[int, Any], QuestionnaireDef] = {}
_cache_lock = Lock()


def definition_of(session: Session, version_id: int) -> QuestionnaireDef:
    """The parsed definition of a version; cached (a version is edited in place only while
    unanswered, and the cache key includes its ``updated_at``)."""
    row = session.execute(
        select(QuestionnaireVersion.updated_at).where(QuestionnaireVersion.id == version_id)
    ).one()
    key = (version_id, row.updated_at)
    found = _cache.get(key)
    if found is None:
        data = session.scalar(
            select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version_id)
        )
        found = QuestionnaireDef.model_validate(data)
        with _cache_lock:
            if len(_cache) > 256:
                _cache.clear()
            _cache[key] = found
    return found


def saved_answers(session: Session, response_id: int) -> dict[str, AnswerValue]:
    out: dict[str, AnswerValue] = {}
    for a in session.scalars(select(Answer).where(Answer.response_id == response_id)):
        out[a.question_code] = AnswerValue(
            number=a.number,
            text=a.text,
            choices=None if a.choices is None else tuple(a.choices),
            dont_know=a.dont_know,
        )
    return out


def answer_rows(response_id: int, values: Mapping[str, AnswerValue]) -> list[dict[str, Any]]:
    return [
        {
            "response_id": response_id,
            "question_code": code,
            "number": v.number,
            "text": v.text,
            "choices": None if v.choices is None else list(v.choices),
            "dont_know": v.dont_know,
        }
        for code, v in values.items()
    ]


def _insert_ignoring_duplicate(session: Session, values: dict[str, Any]) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return (
            postgresql.insert(Response)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["invitation_id"])
        )
    return (
        sqlite.insert(Response)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["invitation_id"])
    )


def claim_response(
    session: Session,
    inv: Invitation,
    *,
    version_id: int,
    language: str,
    source: str,
    now: datetime,
) -> tuple[int, bool]:
    """The response of invitation ``inv``, made now if there is none: ``(id, created)``.

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique, NOT NULL ``invitation_id``: two
    requests racing here make one row; the loser waits for the winner's commit and reads it.
    """
    values = {
        "invitation_id": inv.id,
        "version_id": version_id,
        "questionnaire_id": inv.questionnaire_id,
        "wave_id": inv.wave_id,
        "customer_id": inv.customer_id,
        "touchpoint_id": inv.touchpoint_id,
        "employee_id": inv.employee_id,
        "team_id": inv.team_id,
        "language": language,
        "page_reached": -1,
        "started_at": now,
        "created_at": now,
        "updated_at": now,
        "source": source,
    }
    result = session.execute(_insert_ignoring_duplicate(session, values))
    created = bool(result.rowcount)  # type: ignore[attr-defined]
    rid = session.scalar(select(Response.id).where(Response.invitation_id == inv.id))
    assert rid is not None  # inserted or there already
    return rid, created


def visible_pages(definition: QuestionnaireDef, answers: Mapping[str, AnswerValue]) -> list[int]:
    """Indexes of pages with at least one question shown, given the answers so far."""
    return [
        i
        for i, page in enumerate(definition.pages)
        if any(is_shown(q, answers) for q in page.questions)
    ]


def missing_required(
    definition: QuestionnaireDef, answers: Mapping[str, AnswerValue]
) -> dict[str, int]:
    """Required, shown questions without an answer: code → page index."""
    out: dict[str, int] = {}
    for i, page in enumerate(definition.pages):
        for q in page.questions:
            if q.required and q.code not in answers and is_shown(q, answers):
                out[q.code] = i
    return out
