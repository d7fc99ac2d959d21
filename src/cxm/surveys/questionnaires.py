"""Questionnaire services: save a definition (versioned), find the version to answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from cxm.errors import NotFound
from cxm.i18n import _
from cxm.surveys.loader import load_definition, template_path
from cxm.surveys.models import Questionnaire, QuestionnaireVersion, Response
from cxm.surveys.schema import QuestionnaireDef

__all__ = [
    "SavedQuestionnaire",
    "all_questionnaires",
    "get_questionnaire",
    "install_file",
    "install_template",
    "latest_version",
    "load_version",
    "save_questionnaire",
]


@dataclass(frozen=True, slots=True)
class SavedQuestionnaire:
    questionnaire_id: int
    version_id: int
    version: int
    #: True when a new version was made (the old one had answers).
    new_version: bool


def all_questionnaires(session: Session) -> list[Questionnaire]:
    """Every questionnaire, by code (what ``cxm surveys list`` and the API list)."""
    return list(session.scalars(select(Questionnaire).order_by(Questionnaire.code)))


def get_questionnaire(session: Session, *, code: str) -> Questionnaire:
    q = session.scalar(select(Questionnaire).where(Questionnaire.code == code))
    if q is None:
        raise NotFound(_("No questionnaire with code {code}.", code=code))
    return q


def latest_version(session: Session, *, questionnaire_id: int) -> QuestionnaireVersion:
    v = session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )
    if v is None:
        raise NotFound(_("The questionnaire has no version."))
    return v


def load_version(version: QuestionnaireVersion) -> QuestionnaireDef:
    return QuestionnaireDef.model_validate(version.definition)


def save_questionnaire(
    session: Session, *, definition: QuestionnaireDef, actor_id: int | None = None
) -> SavedQuestionnaire:
    """Create the questionnaire ``definition.code``, or edit it (audited as by ``actor_id``).

    Editing a version that nobody has answered changes it in place; editing one with
    answers adds a new version, so that old answers keep the questions they answered.
    Saving an unchanged definition does nothing.
    """
    data = definition.as_json()
    q = session.scalar(select(Questionnaire).where(Questionnaire.code == definition.code))
    if q is None:
        q = Questionnaire(code=definition.code, title=dict(definition.title))
        session.add(q)
        session.flush()
        v = QuestionnaireVersion(questionnaire_id=q.id, number=1, definition=data)
        session.add(v)
        session.flush()
        _audit(session, actor_id, "create", q.id, None, {"code": q.code, "version": 1})
        return SavedQuestionnaire(q.id, v.id, 1, new_version=False)
    q.title = dict(definition.title)
    current = latest_version(session, questionnaire_id=q.id)
    if current.definition == data:
        return SavedQuestionnaire(q.id, current.id, current.number, new_version=False)
    answered = session.scalar(select(exists().where(Response.version_id == current.id)))
    if not answered:
        before = {"code": q.code, "version": current.number, "definition": current.definition}
        current.definition = data
        session.flush()
        after = {"code": q.code, "version": current.number, "definition": data}
        _audit(session, actor_id, "edit", q.id, before, after)
        return SavedQuestionnaire(q.id, current.id, current.number, new_version=False)
    number = (
        session.scalar(
            select(func.max(QuestionnaireVersion.number)).where(
                QuestionnaireVersion.questionnaire_id == q.id
            )
        )
        or 0
    ) + 1
    v = QuestionnaireVersion(questionnaire_id=q.id, number=number, definition=data)
    session.add(v)
    session.flush()
    _audit(
        session,
        actor_id,
        "new_version",
        q.id,
        {"code": q.code, "version": current.number},
        {"code": q.code, "version": number},
    )
    return SavedQuestionnaire(q.id, v.id, number, new_version=True)


def _audit(
    session: Session,
    actor_id: int | None,
    action: str,
    questionnaire_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    from cxm.audit import record

    record(
        session,
        actor_id=actor_id,
        action=action,
        entity="questionnaire",
        entity_id=questionnaire_id,
        before=before,
        after=after,
    )


def install_template(session: Session, *, name: str = "ccsi") -> SavedQuestionnaire:
    """Save a shipped template (``ccsi`` or ``moment_of_truth``)."""
    return save_questionnaire(session, definition=load_definition(template_path(name)))


def install_file(session: Session, *, path: str | Path) -> SavedQuestionnaire:
    """Save the questionnaire in a YAML or JSON file."""
    return save_questionnaire(session, definition=load_definition(path))
