"""``/api/v1/questionnaires``: create from YAML or JSON, list, read, edit (a new version
when the current one has answers)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request

from cxm.accounts.permissions import Capability
from cxm.errors import InputError
from cxm.i18n import _
from cxm.surveys.loader import parse_definition, parse_yaml
from cxm.surveys.models import Questionnaire, QuestionnaireVersion
from cxm.surveys.questionnaires import (
    all_questionnaires,
    get_questionnaire,
    latest_version,
    save_questionnaire,
)
from cxm.surveys.schema import QuestionnaireDef
from cxm.web.api.schemas import (
    QuestionnaireDetailOut,
    QuestionnaireOut,
    QuestionnaireSavedOut,
)
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(prefix="/questionnaires", tags=["questionnaires"])

Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
#: Questionnaire texts belong to no team: anyone who reads reports may read them.
Read = Annotated[Grant, Require(Capability.VIEW_REPORTS, shared=True)]

_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _refuse_yaml_aliases(text: str) -> None:
    """Aliases let a small YAML text expand into a huge structure ("billion laughs");
    a questionnaire never needs them."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(_("YAML aliases (*name) are not accepted in a questionnaire."))
    except yaml.YAMLError:
        return  # parse_yaml reports the syntax error with its line


async def _definition(request: Request) -> QuestionnaireDef:
    """The body as a questionnaire: YAML (by content type) or JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(_("The questionnaire must be UTF-8 text.")) from None
    if content_type in _YAML_TYPES:
        _refuse_yaml_aliases(text)
        data = parse_yaml(text, source="request body")
    elif content_type == "application/json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(_("The body is not valid JSON: {reason}", reason=str(exc))) from None
    else:
        raise InputError(
            _(
                "Send the questionnaire as application/json or application/yaml, not {type}.",
                type=content_type or "?",
            )
        )
    return parse_definition(data, source="request body")


def _summary(q: Questionnaire, version: QuestionnaireVersion) -> dict[str, Any]:
    return {"id": q.id, "code": q.code, "title": q.title, "version": version.number}


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


@router.post("", status_code=201, openapi_extra=_BODY_DOC, response_model=QuestionnaireSavedOut)
async def create_questionnaire(request: Request, db: DbSession, grant: Configure) -> dict[str, Any]:
    """Save a questionnaire (a new one, or an edit of the one with the same code)."""
    definition = await _definition(request)
    saved = save_questionnaire(db, definition=definition, actor_id=grant.user.id)
    return {
        "id": saved.questionnaire_id,
        "code": definition.code,
        "version": saved.version,
        "new_version": saved.new_version,
    }


@router.put("/{code}", openapi_extra=_BODY_DOC, response_model=QuestionnaireSavedOut)
async def edit_questionnaire(
    code: str, request: Request, db: DbSession, grant: Configure
) -> dict[str, Any]:
    """Edit: changes the current version in place, or adds a version if it has answers."""
    definition = await _definition(request)
    if definition.code != code:
        raise InputError(
            _("The body is questionnaire {got}, not {code}.", got=definition.code, code=code)
        )
    get_questionnaire(db, code=code)
    saved = save_questionnaire(db, definition=definition, actor_id=grant.user.id)
    return {
        "id": saved.questionnaire_id,
        "code": code,
        "version": saved.version,
        "new_version": saved.new_version,
    }


@router.get("", response_model=list[QuestionnaireOut])
def list_questionnaires(db: DbSession, grant: Read) -> list[dict[str, Any]]:
    return [_summary(q, latest_version(db, questionnaire_id=q.id)) for q in all_questionnaires(db)]


@router.get("/{code}", response_model=QuestionnaireDetailOut)
def read_questionnaire(code: str, db: DbSession, grant: Read) -> dict[str, Any]:
    """The newest version's definition and the list of versions."""
    q = get_questionnaire(db, code=code)
    v = latest_version(db, questionnaire_id=q.id)
    return {
        **_summary(q, v),
        "versions": [
            {"version": x.number, "created_at": x.created_at.isoformat()} for x in q.versions
        ],
        "definition": v.definition,
    }
