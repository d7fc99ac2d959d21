"""Writing imported responses in bulk: three multi-row INSERTs per batch (invitations with
RETURNING, responses with RETURNING, answers), inside the caller's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from cxm.store.base import utcnow
from cxm.store.bulk import insert_rows
from cxm.store.chunks import in_chunks
from cxm.surveys.answering import answer_columns
from cxm.surveys.models import (
    Answer,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Response,
)
from cxm.surveys.validation import AnswerValue

__all__ = ["BATCH", "existing_invitations", "write_responses"]

BATCH = 2000
# Core tables, not ORM classes: the ORM's bulk path costs several times more per row.
_INVITATIONS = cast(Table, Invitation.__table__)
_RESPONSES = cast(Table, Response.__table__)
_ANSWERS = cast(Table, Answer.__table__)

#: (answers by question code, completed at, customer id or None)
Row = tuple[dict[str, AnswerValue], datetime, int | None]


def existing_invitations(
    session: Session, wave_id: int | None, customer_ids: set[int]
) -> dict[int, tuple[int, bool]]:
    """customer id → (invitation id, has a response) for invitations already in the wave."""
    if wave_id is None or not customer_ids:
        return {}
    found: dict[int, tuple[int, bool]] = {}
    ordered = sorted(customer_ids)
    for part in in_chunks(ordered):
        rows = session.execute(
            select(Invitation.customer_id, Invitation.id, Response.id)
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(
                Invitation.wave_id == wave_id,
                Invitation.customer_id.in_(part),
            )
        ).all()
        found.update({int(c): (inv, r is not None) for c, inv, r in rows if c is not None})
    return found


def _invitation_ids(
    session: Session,
    rows: Sequence[Row],
    *,
    questionnaire_id: int,
    wave_id: int | None,
    reuse: dict[int, tuple[int, bool]],
) -> list[int]:
    """An invitation per row: the wave's existing one for a sampled customer (marked
    completed), else a new one."""
    now = utcnow()
    fresh = [
        {
            "kind": InvitationKind.WAVE if wave_id is not None else InvitationKind.PUBLIC,
            "questionnaire_id": questionnaire_id,
            "wave_id": wave_id,
            "customer_id": customer,
            "status": InvitationStatus.COMPLETED,
            "expires_at": now,
            "reminder_count": 0,
            "created_at": now,
            "updated_at": now,
        }
        for _a, _t, customer in rows
        if customer is None or customer not in reuse
    ]
    new_ids = iter(
        session.scalars(
            insert(_INVITATIONS).returning(_INVITATIONS.c.id, sort_by_parameter_order=True),
            fresh,
        ).all()
        if fresh
        else []
    )
    reused = [reuse[c][0] for _a, _t, c in rows if c is not None and c in reuse]
    if reused:
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(reused))
            .values(status=InvitationStatus.COMPLETED, updated_at=now)
        )
    return [reuse[c][0] if c is not None and c in reuse else next(new_ids) for _a, _t, c in rows]


def write_responses(
    session: Session,
    *,
    rows: Sequence[Row],
    questionnaire_id: int,
    version_id: int,
    wave_id: int | None,
    last_page: int,
    language: str,
    source: str,
) -> list[int]:
    """Insert one completed response (with its answers) per row; returns their ids."""
    reuse = existing_invitations(session, wave_id, {c for _a, _t, c in rows if c is not None})
    now = utcnow()
    written: list[int] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        invitations = _invitation_ids(
            session, batch, questionnaire_id=questionnaire_id, wave_id=wave_id, reuse=reuse
        )
        response_rows: list[dict[str, Any]] = [
            {
                "invitation_id": inv,
                "version_id": version_id,
                "questionnaire_id": questionnaire_id,
                "wave_id": wave_id,
                "customer_id": customer,
                "language": language,
                "page_reached": last_page,
                "started_at": completed,
                "completed_at": completed,
                "source": source,
                "created_at": now,
                "updated_at": now,
            }
            for inv, (_a, completed, customer) in zip(invitations, batch, strict=True)
        ]
        response_ids = session.scalars(
            insert(_RESPONSES).returning(_RESPONSES.c.id, sort_by_parameter_order=True),
            response_rows,
        ).all()
        written.extend(response_ids)
        answered = (
            (rid, answers) for rid, (answers, _t, _c) in zip(response_ids, batch, strict=True)
        )
        insert_rows(session.connection(), _ANSWERS, answer_columns(answered))
    return written
