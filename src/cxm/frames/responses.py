"""Completed responses as a pandas DataFrame: the one way analytics reads answers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.frames.cache import raw_rows, read_once
from cxm.surveys.models import Answer, QuestionnaireVersion, Response
from cxm.surveys.schema import ONE_CHOICE, QuestionnaireDef

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
        if q.type in ONE_CHOICE and all(c.value is not None for c in q.choices):
            out[q.code] = {c.code: float(c.value) for c in q.choices if c.value is not None}
    return out


def _joined(choices: Any) -> Any:
    """A multiple choice's codes joined by ``;`` (SQLite hands the JSON over as text)."""
    if isinstance(choices, str | bytes):
        choices = json.loads(choices)
    return None if choices is None else ";".join(choices)


@read_once
def responses_frame(
    session: Session,
    *,
    wave_id: int | None = None,
    questionnaire_id: int | None = None,
    questions: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per completed response, one column per question code.

    Ratings and numbers are floats; a single choice whose choices carry numeric values
    (agreement and importance scales) is that value, otherwise its code; a multiple choice
    is its codes joined by ``;``; free text is text; "don't know" and unanswered are NaN.

    ``questions`` reads only the answers to those codes: the frame has just their columns
    (those of them the full frame would have), each equal to the full frame's — a KPI of
    one question reads a thirtieth of the answers.
    """
    query = (
        select(
            Response.id,
            Response.customer_id,
            Response.wave_id,
            Response.questionnaire_id,
            QuestionnaireVersion.number,
            Response.touchpoint_id,
            Response.employee_id,
            Response.team_id,
            Response.language,
            Response.source,
            Response.completed_at,
            Response.version_id,
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.version_id)
        .where(Response.completed_at.is_not(None))
    )
    if wave_id is not None:
        query = query.where(Response.wave_id == wave_id)
    if questionnaire_id is not None:
        query = query.where(Response.questionnaire_id == questionnaire_id)
    rows = raw_rows(session, query.order_by(Response.id))
    base = pd.DataFrame(rows, columns=[*RESPONSE_COLUMNS, "version_id"])
    versions = set(base.pop("version_id").tolist())
    # SQLite hands timestamps over as ISO text, PostgreSQL as aware datetimes.
    base["completed_at"] = pd.to_datetime(base["completed_at"], utc=True, format="ISO8601")
    for col in ("customer_id", "wave_id", "touchpoint_id", "employee_id", "team_id"):
        base[col] = base[col].astype("Int64")
    if base.empty:
        return base
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
    if questions is not None:
        answer_query = answer_query.where(Answer.question_code.in_(questions))
    answers = pd.DataFrame(
        raw_rows(session, answer_query),
        columns=["response_id", "code", "number", "text", "choices", "dont_know"],
    )
    ids = base["response_id"].to_numpy(np.int64)
    rid = answers["response_id"].to_numpy(np.int64)
    pos = np.minimum(np.searchsorted(ids, rid), len(ids) - 1)
    answers = answers[ids[pos] == rid]  # a response completed between the two reads
    pos = pos[ids[pos] == rid]
    # The value of each answer, by the first rule that applies: "don't know" → NaN, a
    # number, a multiple choice's codes, a numeric single choice's value, else the text.
    dont_know = answers["dont_know"].fillna(False).astype(bool).to_numpy()
    number = pd.to_numeric(answers["number"], errors="coerce").to_numpy(float)
    has_number = ~np.isnan(number) & ~dont_know
    texts = answers["text"].to_numpy(dtype=object)
    choices = answers["choices"].to_numpy(dtype=object)
    has_choices = pd.notna(choices) & ~dont_know & ~has_number
    codes = list(dict.fromkeys([*order, *pd.unique(answers["code"]).tolist()]))
    if questions is not None:
        codes = [code for code in codes if code in questions]
    by_code = answers.groupby("code", sort=False).indices
    columns: dict[str, np.ndarray] = {}
    for code in codes:
        at = by_code.get(code)
        column = np.full(len(ids), np.nan)
        if at is None:
            columns[code] = column
            continue
        if (dont_know[at] | has_number[at]).all():
            column[pos[at]] = np.where(dont_know[at], np.nan, number[at])
            columns[code] = column
            continue
        values = texts[at].copy()
        scale = numeric_choice.get(code)
        if scale:
            mapped = pd.Series(values, dtype=object).map(scale).to_numpy(dtype=object)
            known = pd.notna(mapped)
            values[known] = mapped[known]
        picked = has_choices[at]
        if picked.any():
            values[picked] = [_joined(c) for c in choices[at][picked]]
        values[has_number[at]] = number[at][has_number[at]]
        values[dont_know[at]] = np.nan
        column = column.astype(object)
        column[pos[at]] = values
        converted = pd.to_numeric(pd.Series(column), errors="coerce")
        if converted.notna().sum() == pd.notna(column).sum():
            column = converted.to_numpy(float)
        columns[code] = column
    frame = pd.DataFrame(columns, index=base.index)
    return pd.concat([base, frame], axis=1)
