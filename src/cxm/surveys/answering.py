"""Shared pieces of answering: the definition of a version (cached), saved answers, the
claim of an invitation (one response per invitation) and which pages are visible."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cxm.errors import NotFound
from cxm.i18n import _
from cxm.store.kept import forget_with_kept
from cxm.surveys.invitations import LinkInvalid, as_utc
from cxm.surveys.models import Answer, Invitation, InvitationLink, QuestionnaireVersion, Response
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.tokens import hash_token, looks_like_token
from cxm.surveys.validation import AnswerValue, is_shown

__all__ = [
    "ADD_ANSWERS",
    "ANSWERS",
    "CLAIM",
    "INVITATIONS",
    "LINKS",
    "LOOKUP",
    "RESPONSES",
    "SET_STATUS",
    "VERSIONS",
    "Lookup",
    "answer_columns",
    "answer_rows",
    "claim_response",
    "definition_of",
    "lookup",
    "lookup_from_row",
    "missing_required",
    "parsed_definition",
    "response_row",
    "saved_answers",
    "version_of",
    "visible_pages",
]

#: The tables, for Core statements on the hot path (less ORM work per request).
RESPONSES = cast(Table, Response.__table__)
ANSWERS = cast(Table, Answer.__table__)
INVITATIONS = cast(Table, Invitation.__table__)
LINKS = cast(Table, InvitationLink.__table__)
VERSIONS = cast(Table, QuestionnaireVersion.__table__)

_cache: dict[tuple[int, Any], QuestionnaireDef] = {}
_cache_lock = Lock()
forget_with_kept(_cache.clear)  # keyed by version id: a test's emptied database reuses ids


@dataclass(frozen=True, slots=True)
class Lookup:
    """What one query tells about a token: its invitation and the response, if any."""

    invitation_id: int
    questionnaire_id: int
    wave_id: int | None
    customer_id: int | None
    touchpoint_id: int | None
    employee_id: int | None
    team_id: int | None
    response_id: int | None
    version_id: int | None
    completed: bool
    page_reached: int
    #: ``updated_at`` of the version (the cache key of its parsed definition).
    version_stamp: Any = None


def _lookup_statement() -> Select[Any]:
    inv = INVITATIONS.c
    resp = RESPONSES.c
    link = LINKS.c
    ver = VERSIONS.c
    newest = VERSIONS.alias("newest")
    latest = (
        select(newest.c.id)
        .where(newest.c.questionnaire_id == inv.questionnaire_id)
        .order_by(newest.c.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            inv.id,
            inv.questionnaire_id,
            inv.wave_id,
            inv.customer_id,
            inv.touchpoint_id,
            inv.employee_id,
            inv.team_id,
            inv.expires_at,
            resp.id.label("response_id"),
            resp.completed_at,
            resp.page_reached,
            ver.id.label("version_id"),
            ver.updated_at.label("version_stamp"),
        )
        .select_from(
            LINKS.join(INVITATIONS, inv.id == link.invitation_id)
            .outerjoin(RESPONSES, resp.invitation_id == inv.id)
            # The response's version, or the questionnaire's latest for a new response.
            .outerjoin(VERSIONS, ver.id == func.coalesce(resp.version_id, latest))
        )
        .where(link.token_hash == bindparam("token_hash"))
    )


#: Statements of the hot path, built once (building them per request costs more than
#: running them).
LOOKUP = _lookup_statement()
CLAIM = {
    name: dialect.insert(RESPONSES)
    .on_conflict_do_nothing(index_elements=["invitation_id"])
    .returning(RESPONSES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_RESPONSE_OF = select(RESPONSES.c.id).where(RESPONSES.c.invitation_id == bindparam("inv"))
ADD_ANSWERS = insert(ANSWERS)
SET_STATUS = (
    update(INVITATIONS)
    .where(INVITATIONS.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"))
)


def lookup(session: Session | Connection, *, token: str, now: datetime) -> Lookup:
    """The invitation behind ``token`` and its response, in one query; :class:`LinkInvalid`
    for an unknown or expired token."""
    if not looks_like_token(token):
        raise LinkInvalid()
    row = session.execute(LOOKUP, {"token_hash": hash_token(token)}).one_or_none()
    return lookup_from_row(row, now=now)


def lookup_from_row(row: Sequence[Any] | None, *, now: datetime) -> Lookup:
    """The :class:`Lookup` of a row of :data:`LOOKUP` (columns in its order)."""
    if row is None:
        raise LinkInvalid()
    (iid, qid, wave, customer, touchpoint, employee, team, expires_at, rid, completed_at) = row[:10]
    page_reached, version_id, version_stamp = row[10:13]
    if as_utc(expires_at) <= now:
        raise LinkInvalid()
    return Lookup(
        iid,
        qid,
        wave,
        customer,
        touchpoint,
        employee,
        team,
        rid,
        version_id,
        completed_at is not None,
        -1 if page_reached is None else page_reached,
        version_stamp,
    )


def version_of(session: Session | Connection, found: Lookup) -> tuple[int, QuestionnaireDef]:
    """The version a response answers (the latest one for a new response, as found by
    :func:`lookup`) and its parsed definition; cached, keyed by the version's
    ``updated_at`` (a version is edited in place only while nobody has answered it)."""
    if found.version_id is None:
        raise NotFound(_("The questionnaire has no version."))
    version_id = found.version_id
    return version_id, parsed_definition(
        version_id, found.version_stamp, lambda: _stored_definition(session, version_id)
    )


def _stored_definition(session: Session | Connection, version_id: int) -> Any:
    return session.scalar(
        select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == version_id)
    )


def parsed_definition(version_id: int, stamp: Any, load: Callable[[], Any]) -> QuestionnaireDef:
    """The parsed definition of a version from the cache, or ``load()``-ed and cached."""
    key = (version_id, stamp)
    found = _cache.get(key)
    if found is None:
        found = QuestionnaireDef.model_validate(load())
        with _cache_lock:
            if len(_cache) > 256:
                _cache.clear()
            _cache[key] = found
    return found


def definition_of(session: Session, version_id: int) -> QuestionnaireDef:
    """The parsed definition of a version (cached)."""
    stamp = session.scalar(
        select(QuestionnaireVersion.updated_at).where(QuestionnaireVersion.id == version_id)
    )
    return parsed_definition(version_id, stamp, lambda: _stored_definition(session, version_id))


def saved_answers(session: Session, response_id: int) -> dict[str, AnswerValue]:
    a = ANSWERS.c
    rows = session.execute(
        select(a.question_code, a.number, a.text, a.choices, a.dont_know).where(
            a.response_id == response_id
        )
    )
    return {
        code: AnswerValue(
            number=number,
            text=text,
            choices=None if choices is None else tuple(choices),
            dont_know=bool(dont_know),
        )
        for code, number, text, choices, dont_know in rows
    }


def answer_columns(
    answered: Iterable[tuple[int, Mapping[str, AnswerValue]]],
) -> dict[str, list[Any]]:
    """The answers of many responses column by column, as :func:`cxm.store.bulk.insert_rows`
    writes them: one row per (response id, question code) of ``answered``."""
    columns: dict[str, list[Any]] = {
        "response_id": [],
        "question_code": [],
        "number": [],
        "text": [],
        "choices": [],
        "dont_know": [],
    }
    for response_id, values in answered:
        for code, v in values.items():
            columns["response_id"].append(response_id)
            columns["question_code"].append(code)
            columns["number"].append(v.number)
            columns["text"].append(v.text)
            columns["choices"].append(None if v.choices is None else list(v.choices))
            columns["dont_know"].append(v.dont_know)
    return columns


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


def response_row(
    found: Lookup,
    *,
    version_id: int,
    page_reached: int,
    completed: bool,
    language: str,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """The columns of a new response to the invitation ``found`` (one place for every
    path that makes one: :func:`claim_response` and the first save's short path)."""
    return {
        "invitation_id": found.invitation_id,
        "version_id": version_id,
        "questionnaire_id": found.questionnaire_id,
        "wave_id": found.wave_id,
        "customer_id": found.customer_id,
        "touchpoint_id": found.touchpoint_id,
        "employee_id": found.employee_id,
        "team_id": found.team_id,
        "language": language,
        "page_reached": page_reached,
        "started_at": now,
        "completed_at": now if completed else None,
        "created_at": now,
        "updated_at": now,
        "source": source,
    }


def claim_response(
    session: Session,
    found: Lookup,
    *,
    version_id: int,
    language: str,
    source: str,
    now: datetime,
    page_reached: int = -1,
    completed: bool = False,
) -> tuple[int, bool]:
    """The response of the invitation, made now if there is none: ``(id, created)``.

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique, NOT NULL ``invitation_id``: two
    requests racing here make one row; the loser waits for the winner's commit and reads it.
    """
    values = response_row(
        found,
        version_id=version_id,
        page_reached=page_reached,
        completed=completed,
        language=language,
        source=source,
        now=now,
    )
    # RETURNING gives the id only when this request inserted the row (rowcount is not
    # reliable with RETURNING on every driver).
    rid = session.scalar(CLAIM[session.get_bind().dialect.name], values)
    created = rid is not None
    if rid is None:
        rid = session.scalar(_RESPONSE_OF, {"inv": found.invitation_id})
    if rid is None:  # inserted or there already
        raise RuntimeError(f"no response for invitation {found.invitation_id}")
    return int(rid), created


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
