"""Completed responses as a pandas DataFrame: the one way analytics reads answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.surveys.models import Answer, QuestionnaireVersion, Response
from cxm.surveys.schema import QuestionnaireDef, QuestionType

__all__ = ["RESPONSE_COLUMNS", "responses_frame"]

#: The columns before the question codes.
RESPONSE_COLUMNS = [
    "response_id",
    "customer_id",
    "wave_id",
    "questionnaire_id",
    "version",
    "touchpoint_id",
    "employee_id",
    "team_id",
    "language",
    "source",
    "completed_at",
]


def _choice_values(definition: QuestionnaireDef) -> dict[str, dict[str, float]]:
    """Single-choice questions whose every choice has a numeric ``value``."""
    out: dict[str, dict[str, float]] = {}
    for q in definition.questions():
        if q.type == QuestionType.SINGLE and all(c.value is not None for c in q.choices):
            out[q.code] = {c.code: float(c.value) for c in q.choices if c.value is not None}
    return out


def responses_frame(
    session: Session, *, wave_id: int | None = None, questionnaire_id: int | None = None
) -> pd.DataFrame:
    """One row per completed response, one column per question code.

    Ratings and numbers are floats; a single choice whose choices carry numeric values
    (agreement and importance scales) is that value, otherwise its code; a multiple choice
    is its codes joined by ``;``; free text is text; "don't know" and unanswered are NaN.
    """
    query = (
        select(Response, QuestionnaireVersion.number)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.version_id)
        .where(Response.completed_at.is_not(None))
    )
    if wave_id is not None:
        query = query.where(Response.wave_id == wave_id)
    if questionnaire_id is not None:
        query = query.where(Response.questionnaire_id == questionnaire_id)
    rows = session.execute(query.order_by(Response.id)).all()
    base = pd.DataFrame(
        [
            [
                r.id,
                r.customer_id,
                r.wave_id,
                r.questionnaire_id,
                number,
                r.touchpoint_id,
                r.employee_id,
                r.team_id,
                r.language,
                r.source,
                r.completed_at,
            ]
            for r, number in rows
        ],
        columns=RESPONSE_COLUMNS,
    )
    base["completed_at"] = pd.to_datetime(base["completed_at"], utc=True)
    for col in ("customer_id", "wave_id", "touchpoint_id", "employee_id", "team_id"):
        base[col] = base[col].astype("Int64")
    if base.empty:
        return base
    versions = {r.version_id for r, _n in rows}
    order: list[str] = []
    numeric_choice: dict[str, dict[str, float]] = {}
    for _vid, data in session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.definition)
        .where(QuestionnaireVersion.id.in_(versions))
        .order_by(QuestionnaireVersion.number.desc())
    ):
        definition = QuestionnaireDef.model_validate(data)
        order += [q.code for q in definition.questions() if q.code not in order]
        for code, mapping in _choice_values(definition).items():
            numeric_choice.setdefault(code, mapping)
    answer_query = (
        select(
            Answer.response_id,
            Answer.question_code,
            Answer.number,
            Answer.text,
            Answer.choices,
            Answer.dont_know,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.completed_at.is_not(None))
    )
    if wave_id is not None:
        answer_query = answer_query.where(Response.wave_id == wave_id)
    if questionnaire_id is not None:
        answer_query = answer_query.where(Response.questionnaire_id == questionnaire_id)
    cells: dict[str, dict[int, Any]] = {code: {} for code in order}
    for rid, code, number, text, choices, dont_know in session.execute(answer_query):
        if dont_know:
            value: Any = np.nan
        elif number is not None:
            value = float(number)
        elif choices is not None:
            value = ";".join(choices)
        elif code in numeric_choice and text in numeric_choice[code]:
            value = numeric_choice[code][text]
        else:
            value = text
        cells.setdefault(code, {})[rid] = value
    index = pd.Index(base["response_id"])
    answers = pd.DataFrame(
        {code: pd.Series(vals, dtype=object).reindex(index) for code, vals in cells.items()},
        index=index,
    )
    for code in answers.columns:
        converted = pd.to_numeric(answers[code], errors="coerce")
        if converted.notna().sum() == answers[code].notna().sum():
            answers[code] = converted.astype(float)
    return pd.concat([base.set_index("response_id"), answers], axis=1).reset_index()
