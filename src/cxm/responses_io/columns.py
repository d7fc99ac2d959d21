"""The columns of a response table: metadata, then one column per question in the
questionnaire's order (a multiple-choice question gives one 0/1 column per choice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.surveys.labels import DONT_KNOW, answer_options
from cxm.surveys.models import QuestionnaireVersion
from cxm.surveys.schema import (
    ONE_CHOICE,
    QuestionDef,
    QuestionnaireDef,
    QuestionType,
    pick_text,
)

__all__ = ["META_COLUMNS", "Column", "answer_cells", "questionnaire_columns"]

#: Written first, in this order, for every response.
META_COLUMNS = (
    "response_id",
    "wave",
    "customer_external_id",
    "stratum",
    "language",
    "source",
    "started_at",
    "completed_at",
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label: str
    #: meta, number, rating, single, multi_item, text
    kind: str
    question: str | None = None
    choice: str | None = None
    #: For ratings and single choices: stored value → label (SPSS value labels).
    value_labels: dict[Any, str] = field(default_factory=dict)
    #: For single choices: choice code → position 1..k (the numeric SPSS value).
    choice_index: dict[str, int] = field(default_factory=dict)


def _question_columns(q: QuestionDef, lang: str) -> list[Column]:
    label = pick_text(q.text, lang)
    if q.type == QuestionType.MULTIPLE:
        return [
            Column(
                name=f"{q.code}_{c.code}"[:64],
                label=f"{label}: {pick_text(c.text, lang)}",
                kind="multi_item",
                question=q.code,
                choice=c.code,
            )
            for c in q.choices
        ]
    if q.type in ONE_CHOICE:
        index = {c.code: i + 1 for i, c in enumerate(q.choices)}
        labels = {index[c.code]: pick_text(c.text, lang) for c in q.choices}
        return [Column(q.code, label, "single", q.code, None, labels, index)]
    if q.is_rating:
        rating_labels: dict[Any, str] = {float(v): t for v, t in answer_options(q, lang)}
        return [Column(q.code, label, "rating", q.code, None, rating_labels)]
    if q.type == QuestionType.NUMBER:
        return [Column(q.code, label, "number", q.code)]
    return [Column(q.code, label, "text", q.code)]


def questionnaire_columns(session: Session, *, questionnaire_id: int, lang: str) -> list[Column]:
    """Meta columns, then the newest version's questions, then questions only older
    versions had (so that old answers are exported too)."""
    versions = list(
        session.scalars(
            select(QuestionnaireVersion.definition)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
            .order_by(QuestionnaireVersion.number.desc())
        )
    )
    cols = [Column(name, name, "meta") for name in META_COLUMNS]
    seen: set[str] = set()
    for definition in versions:
        for q in QuestionnaireDef.model_validate(definition).questions():
            if q.code not in seen:
                seen.add(q.code)
                cols.extend(_question_columns(q, lang))
    return cols


def answer_cells(columns: list[Column], answers: Sequence[Any]) -> dict[str, Any]:
    """The cells of one response: number, text, choice code, 1/0 per choice, or ``"dk"``.
    ``answers`` are :class:`~cxm.surveys.models.Answer` rows (or rows with its columns)."""
    by_code = {a.question_code: a for a in answers}
    cells: dict[str, Any] = {}
    for col in columns:
        if col.question is None:
            continue
        a = by_code.get(col.question)
        if a is None:
            cells[col.name] = None
        elif a.dont_know:
            cells[col.name] = DONT_KNOW
        elif col.kind == "multi_item":
            cells[col.name] = None if a.choices is None else int(col.choice in a.choices)
        elif a.number is not None:
            n = a.number
            cells[col.name] = int(n) if float(n).is_integer() else n
        else:
            cells[col.name] = a.text
    return cells
