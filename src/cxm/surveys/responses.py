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

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.orm import Session

from cxm.errors import CXMError, InputError
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.answering import (
    answer_rows,
    claim_response,
    definition_of,
    missing_required,
    saved_answers,
    visible_pages,
)
from cxm.surveys.invitations import LinkInvalid, resolve_link
from cxm.surveys.models import Answer, Invitation, InvitationStatus, Response
from cxm.surveys.questionnaires import latest_version
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.validation import AnswerValue, PageCheck, is_shown, validate_answers

__all__ = [
    "AlreadyAnswered",
    "FormState",
    "PageRejected",
    "SaveResult",
    "open_form",
    "save_page",
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


def _existing(session: Session, invitation_id: int) -> Any:
    return session.execute(
        select(
            Response.id, Response.version_id, Response.completed_at, Response.page_reached
        ).where(Response.invitation_id == invitation_id)
    ).one_or_none()


def open_form(session: Session, *, token: str, now: datetime | None = None) -> FormState:
    """The state of the form behind ``token``; :class:`LinkInvalid` if it cannot be used
    (unknown, expired — or completed, since a used link says no more than a bad one)."""
    inv = resolve_link(session, token=token, now=now)
    row = _existing(session, inv.id)
    if row is not None and row.completed_at is not None:
        raise LinkInvalid()
    if row is None:
        version_id = latest_version(session, questionnaire_id=inv.questionnaire_id).id
        return FormState(inv.id, version_id, definition_of(session, version_id), None, -1, False)
    return FormState(
        inv.id,
        row.version_id,
        definition_of(session, row.version_id),
        row.id,
        row.page_reached,
        False,
        saved_answers(session, row.id),
    )


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
    inv = resolve_link(session, token=token, now=now)
    row = _existing(session, inv.id)
    if row is not None and row.completed_at is not None:
        raise AlreadyAnswered()
    version_id = (
        row.version_id
        if row is not None
        else latest_version(session, questionnaire_id=inv.questionnaire_id).id
    )
    definition = definition_of(session, version_id)
    if not 0 <= page < len(definition.pages):
        raise InputError(_("There is no page {n}.", n=page + 1))
    saved = saved_answers(session, row.id) if row is not None else {}
    check = validate_answers(definition.pages[page], raw, earlier=saved, require=action == "next")
    if check.errors or check.form_errors:
        raise PageRejected(check, page=page)

    response_id, created = claim_response(
        session, inv, version_id=version_id, language=language, source=source, now=now
    )
    if created:
        session.execute(
            update(Invitation)
            .where(Invitation.id == inv.id, Invitation.status != InvitationStatus.COMPLETED)
            .values(status=InvitationStatus.STARTED)
        )
    # The guard: lock the response row (PostgreSQL) / take the write lock (SQLite) and stop
    # if a request racing this one completed it meanwhile.
    guard = session.execute(
        update(Response)
        .where(Response.id == response_id, Response.completed_at.is_(None))
        .values(
            page_reached=case((Response.page_reached < page, page), else_=Response.page_reached),
            language=language,
            updated_at=now,
        )
    )
    if not guard.rowcount:  # type: ignore[attr-defined]
        raise AlreadyAnswered()
    if not created and row is None:
        saved = saved_answers(session, response_id)  # another tab made it a moment ago
    page_codes = [q.code for q in definition.pages[page].questions]
    session.execute(
        delete(Answer).where(
            Answer.response_id == response_id, Answer.question_code.in_(page_codes)
        )
    )
    if check.values:
        session.execute(insert(Answer), answer_rows(response_id, check.values))
    answers = {k: v for k, v in saved.items() if k not in page_codes} | check.values

    pages = visible_pages(definition, answers)
    if action == "back":
        before = [p for p in pages if p < page]
        return SaveResult(response_id, False, before[-1] if before else page)
    after = [p for p in pages if p > page]
    if after:
        return SaveResult(response_id, False, after[0])
    missing = missing_required(definition, answers)
    if missing:
        return SaveResult(response_id, False, min(missing.values()))
    hidden = [
        q.code for q in definition.questions() if q.code in answers and not is_shown(q, answers)
    ]
    if hidden:
        session.execute(
            delete(Answer).where(
                Answer.response_id == response_id, Answer.question_code.in_(hidden)
            )
        )
    done = session.execute(
        update(Response)
        .where(Response.id == response_id, Response.completed_at.is_(None))
        .values(completed_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise AlreadyAnswered()
    session.execute(
        update(Invitation).where(Invitation.id == inv.id).values(status=InvitationStatus.COMPLETED)
    )
    return SaveResult(response_id, True, None)
