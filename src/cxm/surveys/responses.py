"""The respondent's side: open a form by its token, save a page, complete the response.

Every save is one transaction: the response is claimed (one per invitation), the page's
answers replace the saved ones, and the last page completes the response. Nothing is kept
in memory between requests, so a link resumes after a restart or a timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Update,
    bindparam,
    case,
    delete,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cxm.errors import CXMError, InputError
from cxm.i18n import _
from cxm.jobs.outbox import answer_completed
from cxm.store import Store
from cxm.store.base import utcnow
from cxm.surveys.answering import (
    ADD_ANSWERS,
    ANSWERS,
    RESPONSES,
    SET_STATUS,
    answer_rows,
    claim_response,
    lookup,
    missing_required,
    saved_answers,
    version_of,
    visible_pages,
)
from cxm.surveys.first_save import first_save
from cxm.surveys.invitations import LinkInvalid
from cxm.surveys.models import InvitationStatus
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.validation import AnswerValue, PageCheck, is_shown, validate_answers

__all__ = [
    "AlreadyAnswered",
    "FormState",
    "PageRejected",
    "SaveResult",
    "open_form",
    "save_page",
    "submit_page",
]


class AlreadyAnswered(CXMError):
    status = 409
    code = "already_answered"

    def __init__(self) -> None:
        super().__init__(_("This survey has already been answered. Thank you!"))


class PageRejected(InputError):
    """Answers on a page were refused; ``check`` holds the message per question and the
    answers that were fine, so the page can be shown again with them."""

    code = "answers_rejected"

    def __init__(self, check: PageCheck, *, page: int) -> None:
        messages = {**check.errors}
        for i, msg in enumerate(check.form_errors):
            messages[f"_form{i}"] = msg
        super().__init__(_("Some answers need attention: {n}.", n=len(messages)), details=messages)
        self.check = check
        self.page = page


@dataclass(frozen=True, slots=True)
class FormState:
    invitation_id: int
    version_id: int
    definition: QuestionnaireDef
    response_id: int | None
    page_reached: int
    completed: bool
    answers: dict[str, AnswerValue] = field(default_factory=dict)

    def visible(self) -> list[int]:
        return visible_pages(self.definition, self.answers)

    def resume_page(self) -> int:
        """The first visible page after the last one saved."""
        pages = self.visible()
        later = [p for p in pages if p > self.page_reached]
        return later[0] if later else pages[-1]


@dataclass(frozen=True, slots=True)
class SaveResult:
    response_id: int
    completed: bool
    next_page: int | None


def open_form(session: Session, *, token: str, now: datetime | None = None) -> FormState:
    """The state of the form behind ``token``; :class:`LinkInvalid` if it cannot be used
    (unknown, expired — or completed, since a used link says no more than a bad one)."""
    found = lookup(session, token=token, now=now or utcnow())
    if found.completed:
        raise LinkInvalid()
    version_id, definition = version_of(session, found)
    answers = saved_answers(session, found.response_id) if found.response_id else {}
    return FormState(
        found.invitation_id,
        version_id,
        definition,
        found.response_id,
        found.page_reached,
        False,
        answers,
    )


def _guard(*, complete: bool) -> Update:
    """Lock the response row (PostgreSQL) / take the write lock (SQLite) and touch it,
    unless a request racing this one completed it meanwhile (then no row matches)."""
    r = RESPONSES.c
    page = bindparam("b_page", type_=Integer)
    now = bindparam("b_now", type_=DateTime(timezone=True))
    values: dict[str, Any] = {
        "page_reached": case((r.page_reached < page, page), else_=r.page_reached),
        "language": bindparam("b_lang", type_=String),
        "updated_at": now,
    }
    if complete:
        values["completed_at"] = now
    return (
        update(RESPONSES)
        .where(r.id == bindparam("b_id"), r.completed_at.is_(None))
        .values(**values)
    )


_GUARD = _guard(complete=False)
_GUARD_COMPLETE = _guard(complete=True)


def _checked(
    definition: QuestionnaireDef,
    page: int,
    raw: Mapping[str, Any],
    saved: Mapping[str, AnswerValue],
    action: str,
) -> PageCheck:
    if not 0 <= page < len(definition.pages):
        raise InputError(_("There is no page {n}.", n=page + 1))
    check = validate_answers(definition.pages[page], raw, earlier=saved, require=action == "next")
    if check.errors or check.form_errors:
        raise PageRejected(check, page=page)
    return check


def _plan(
    definition: QuestionnaireDef,
    saved: Mapping[str, AnswerValue],
    values: Mapping[str, AnswerValue],
    page: int,
    action: str,
) -> tuple[dict[str, AnswerValue], int | None]:
    """All answers after this save, and the page to show next (``None``: complete)."""
    codes = {q.code for q in definition.pages[page].questions}
    answers = {k: v for k, v in saved.items() if k not in codes} | dict(values)
    pages = visible_pages(definition, answers)
    if action == "back":
        before = [p for p in pages if p < page]
        return answers, before[-1] if before else page
    after = [p for p in pages if p > page]
    missing = missing_required(definition, answers)
    return answers, after[0] if after else (min(missing.values()) if missing else None)


def save_page(
    session: Session,
    *,
    token: str,
    page: int,
    raw: Mapping[str, Any],
    action: Literal["next", "back"] = "next",
    language: str = "en",
    source: str = "web",
    now: datetime | None = None,
) -> SaveResult:
    """Save the answers ``raw`` (question code → raw value) given on page ``page``.

    Raises :class:`PageRejected` (nothing written) when an answer is invalid, a required
    one is missing (except when going back) or a question id is unknown;
    :class:`AlreadyAnswered` when the response was completed before, also by a request
    racing this one; :class:`LinkInvalid` for a bad token.
    """
    now = now or utcnow()
    found = lookup(session, token=token, now=now)
    if found.completed:
        raise AlreadyAnswered()
    version_id, definition = version_of(session, found)
    saved = saved_answers(session, found.response_id) if found.response_id else {}
    check = _checked(definition, page, raw, saved, action)
    page_codes = {q.code for q in definition.pages[page].questions}
    answers, next_page = _plan(definition, saved, check.values, page, action)

    # A new response is inserted already at this page (and completed, when this page ends
    # the survey): the unique key on the invitation is then the only guard needed.
    response_id, created = claim_response(
        session,
        found,
        version_id=version_id,
        language=language,
        source=source,
        now=now,
        page_reached=page,
        completed=next_page is None,
    )
    if not created:
        if found.response_id is None:  # another tab made it a moment ago
            saved = saved_answers(session, response_id)
            answers, next_page = _plan(definition, saved, check.values, page, action)
        # The guard: lock the response row (PostgreSQL) / take the write lock (SQLite) and
        # stop if a request racing this one completed it meanwhile.
        guard = session.execute(
            _GUARD_COMPLETE if next_page is None else _GUARD,
            {"b_id": response_id, "b_page": page, "b_lang": language, "b_now": now},
        )
        if not guard.rowcount:  # type: ignore[attr-defined]
            raise AlreadyAnswered()
    completing = next_page is None
    # Every code of the page (not only those read before the lock): another tab may have
    # saved this page a moment ago.
    stale = set() if created else set(page_codes)
    if completing:  # answers to questions that an earlier answer has since hidden
        stale |= {q.code for q in definition.questions() if q.code in answers} - {
            q.code for q in definition.questions() if is_shown(q, answers)
        }
    if stale:
        session.execute(
            delete(ANSWERS).where(
                ANSWERS.c.response_id == response_id, ANSWERS.c.question_code.in_(stale)
            )
        )
    if check.values:
        session.execute(ADD_ANSWERS, answer_rows(response_id, check.values))
    if completing or created:
        status = InvitationStatus.COMPLETED if completing else InvitationStatus.STARTED
        session.execute(SET_STATUS, {"b_id": found.invitation_id, "b_status": status.value})
    if completing:  # the outbox row: the case rules run on this answer within seconds
        answer_completed(session, response_id)
    return SaveResult(response_id, completing, next_page)


def submit_page(
    store: Store,
    *,
    token: str,
    page: int,
    raw: Mapping[str, Any],
    action: Literal["next", "back"] = "next",
    language: str = "en",
    source: str = "web",
    now: datetime | None = None,
) -> SaveResult:
    """:func:`save_page` in transactions of its own: the first save of a response takes the
    short path of :mod:`cxm.surveys.first_save`, anything else a session.

    A pooled connection the database closed while it was busy (a PostgreSQL restart) fails
    the save on it; the save is then tried once more on a fresh connection. That is safe:
    the write that failed either never reached the database or committed a response
    whose invitation the retry finds claimed (one response per invitation)."""
    now = now or utcnow()
    try:
        return _submit(store, token, page, raw, action, language, source, now)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return _submit(store, token, page, raw, action, language, source, now)


def _submit(
    store: Store,
    token: str,
    page: int,
    raw: Mapping[str, Any],
    action: Literal["next", "back"],
    language: str,
    source: str,
    now: datetime,
) -> SaveResult:
    first = _first_save(
        store,
        token=token,
        page=page,
        raw=raw,
        action=action,
        language=language,
        source=source,
        now=now,
    )
    if first is not None:
        return first
    with store.writing(), store.session() as s:
        return save_page(
            s,
            token=token,
            page=page,
            raw=raw,
            action=action,
            language=language,
            source=source,
            now=now,
        )


def _first_save(
    store: Store,
    *,
    token: str,
    page: int,
    raw: Mapping[str, Any],
    action: str,
    language: str,
    source: str,
    now: datetime,
) -> SaveResult | None:
    """The save when the invitation has no response yet; ``None`` (nothing written) when
    it has one, also when a request racing this one made it a moment ago."""
    with first_save(store) as step:
        found = step.lookup(token=token, now=now)
        if found.completed:
            raise AlreadyAnswered()
        if found.response_id is not None:
            return None
        version_id, definition = step.version_of(found)
        check = _checked(definition, page, raw, {}, action)
        _answers, next_page = _plan(definition, {}, check.values, page, action)
        response_id = step.insert(
            found,
            version_id=version_id,
            values=check.values,
            page=page,
            completed=next_page is None,
            language=language,
            source=source,
            now=now,
        )
    if response_id is None:
        return None
    return SaveResult(response_id, next_page is None, next_page)
