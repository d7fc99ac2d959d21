"""The latest free-text answers of a wave, for staff to read (escaped where shown)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.surveys.models import Answer, QuestionnaireVersion, Response, Wave
from cxm.surveys.schema import QuestionnaireDef, QuestionType

__all__ = ["Comment", "latest_comments", "text_question_codes"]


@dataclass(frozen=True, slots=True)
class Comment:
    response_id: int
    question: str
    text: str


def text_question_codes(session: Session, *, questionnaire_id: int) -> set[str]:
    """Codes of the free-text questions in any version of a questionnaire."""
    codes: set[str] = set()
    for definition in session.scalars(
        select(QuestionnaireVersion.definition).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id
        )
    ):
        qdef = QuestionnaireDef.model_validate(definition)
        codes |= {q.code for q in qdef.questions() if q.type == QuestionType.TEXT}
    return codes


def latest_comments(
    session: Session, *, wave_id: int, limit: int = 20, team_ids: frozenset[int] | None = None
) -> list[Comment]:
    """Free-text answers of completed responses of the wave, newest first (only those of
    ``team_ids`` unless it is None)."""
    from cxm.org.serving import in_teams

    wave = session.get(Wave, wave_id)
    if wave is None:
        return []
    codes = text_question_codes(session, questionnaire_id=wave.questionnaire_id)
    if not codes:
        return []
    rows = session.execute(
        select(Answer.response_id, Answer.question_code, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.wave_id == wave_id,
            Response.completed_at.is_not(None),
            Answer.question_code.in_(sorted(codes)),
            Answer.text.is_not(None),
            in_teams(Response.team_id, Response.customer_id, team_ids),
        )
        .order_by(Response.completed_at.desc(), Answer.id)
        .limit(limit)
    ).all()
    return [Comment(rid, code, text) for rid, code, text in rows if text]
