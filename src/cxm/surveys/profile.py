"""The survey section of a customer's file (``cxm customers show``): what the customer
told us, newest first — in which survey, how satisfied overall, how likely to recommend,
how much effort it took, and their own words.

Registered in :data:`cxm.customers.profile.EXTRA_SECTIONS`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.customers.models import Touchpoint
from cxm.i18n import current_language
from cxm.surveys.models import Answer, Questionnaire, QuestionnaireVersion, Response, Wave
from cxm.surveys.questionnaires import load_version
from cxm.surveys.schema import Construct, QuestionDef, QuestionType, pick_text

__all__ = ["answers_of"]

#: How many responses the file shows (newest first).
RECENT = 10


def _overall_codes(questions: list[QuestionDef]) -> set[str]:
    """The satisfaction items that measure overall satisfaction: those of the
    satisfaction construct, else every 5-point satisfaction item."""
    five = [q for q in questions if q.type == QuestionType.SATISFACTION5]
    overall = [q for q in five if q.latent == Construct.SATISFACTION]
    return {q.code for q in (overall or five)}


def answers_of(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """One record per completed response of the customer, newest first (at most
    :data:`RECENT`): ``completed_at``, ``survey`` (wave name, or the journey stage of the
    rated touchpoint), ``satisfaction`` (mean of the overall items, 1–5), ``nps`` (0–10),
    ``effort`` (1–7) and ``comment`` (free-text answers joined)."""
    rows = session.execute(
        select(Response.id, Response.completed_at, Response.version_id, Wave.name, Touchpoint.stage)
        .outerjoin(Wave, Wave.id == Response.wave_id)
        .outerjoin(Touchpoint, Touchpoint.id == Response.touchpoint_id)
        .where(Response.customer_id == customer_id, Response.completed_at.is_not(None))
        .order_by(Response.completed_at.desc(), Response.id.desc())
        .limit(RECENT)
    ).all()
    if not rows:
        return []
    versions = {
        v.id: (load_version(v).questions(), title)
        for v, title in session.execute(
            select(QuestionnaireVersion, Questionnaire.title)
            .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
            .where(QuestionnaireVersion.id.in_({r.version_id for r in rows}))
        )
    }
    answers: dict[int, list[Answer]] = {}
    for a in session.scalars(select(Answer).where(Answer.response_id.in_([r.id for r in rows]))):
        answers.setdefault(a.response_id, []).append(a)
    lang = current_language()
    out: list[dict[str, Any]] = []
    for r in rows:
        questions, title = versions[r.version_id]
        kinds = {q.code: q.type for q in questions}
        overall = _overall_codes(questions)
        mine = [a for a in answers.get(r.id, []) if not a.dont_know]
        sat = [a.number for a in mine if a.question_code in overall and a.number is not None]
        by_type: dict[QuestionType, float] = {}
        texts: list[str] = []
        for a in mine:
            kind = kinds.get(a.question_code)
            if kind in (QuestionType.NPS, QuestionType.CES) and a.number is not None:
                by_type.setdefault(kind, float(a.number))
            elif kind == QuestionType.TEXT and a.text:
                texts.append(a.text.strip())
        stage = getattr(r.stage, "value", r.stage)
        out.append(
            {
                "completed_at": r.completed_at,
                "survey": r.name
                or (f"{pick_text(title, lang)} · {stage}" if stage else None)
                or pick_text(title, lang),
                "satisfaction": round(sum(sat) / len(sat), 2) if sat else None,
                "nps": by_type.get(QuestionType.NPS),
                "effort": by_type.get(QuestionType.CES),
                "comment": " / ".join(t for t in texts if t) or None,
            }
        )
    return out
