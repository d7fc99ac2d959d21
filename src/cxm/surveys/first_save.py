"""A response's first save in one short write: the claim of the invitation (one response
per invitation), the page's answers and the invitation's status.

On PostgreSQL this is one statement run outside an explicit transaction: the statement is
its own transaction, committed (WAL flushed) before the server answers, so a save costs two
round trips (the look-up and this) instead of seven (BEGIN, look-up, claim, answers,
status, COMMIT and a pool ping). On SQLite, where a statement costs no round trip, it is the
same three statements in one transaction.

Most respondents answer a one-page survey once, so this is their whole path. Anything else
(a later page, a response made meanwhile by another tab) is left to
:func:`cxm.surveys.responses.save_page`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, TextualSelect, text

from cxm.surveys.answering import (
    ADD_ANSWERS,
    CLAIM,
    INVITATIONS,
    RESPONSES,
    SET_STATUS,
    Lookup,
    answer_rows,
)
from cxm.surveys.models import InvitationStatus
from cxm.surveys.validation import AnswerValue

__all__ = ["insert_first_page"]

_RESPONSE_COLUMNS = (
    "invitation_id",
    "version_id",
    "questionnaire_id",
    "wave_id",
    "customer_id",
    "touchpoint_id",
    "employee_id",
    "team_id",
    "language",
    "page_reached",
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
    "source",
)


def _postgres_statement() -> TextualSelect:
    # The answers come as parallel arrays, so one statement (prepared once per connection by
    # psycopg) serves pages with any number of answers. The answers and the status are
    # written only when the claim inserted a row: on a conflict nothing at all is written.
    columns = ", ".join(_RESPONSE_COLUMNS)
    values = ", ".join(f":{c}" for c in _RESPONSE_COLUMNS)
    return text(
        f"""
        WITH claimed AS (
            INSERT INTO {RESPONSES.name} ({columns}) VALUES ({values})
            ON CONFLICT (invitation_id) DO NOTHING
            RETURNING id
        ), answers AS (
            INSERT INTO survey_answers
                (response_id, question_code, number, text, choices, dont_know)
            SELECT claimed.id, a.code, a.number, a.text, CAST(a.choices AS JSONB), a.dont_know
            FROM claimed, unnest(
                CAST(:codes AS VARCHAR[]), CAST(:numbers AS FLOAT8[]), CAST(:texts AS TEXT[]),
                CAST(:choices AS TEXT[]), CAST(:dont_knows AS BOOLEAN[])
            ) AS a(code, number, text, choices, dont_know)
        ), status AS (
            UPDATE {INVITATIONS.name} SET status = :status, updated_at = :updated_at
            WHERE id = :invitation_id AND EXISTS (SELECT FROM claimed)
        )
        SELECT id FROM claimed
        """
    ).columns(id=Integer)


_POSTGRES = _postgres_statement()


def insert_first_page(
    conn: Connection,
    found: Lookup,
    *,
    version_id: int,
    values: Mapping[str, AnswerValue],
    page: int,
    completed: bool,
    language: str,
    source: str,
    now: datetime,
) -> int | None:
    """Insert the response of ``found``'s invitation with the answers ``values`` of page
    ``page``; the new response's id, or ``None`` (nothing written) when the invitation has
    a response already.

    On SQLite the caller commits ``conn``'s transaction; on PostgreSQL ``conn`` must be in
    autocommit mode, and the statement has committed when this returns.
    """
    status = InvitationStatus.COMPLETED if completed else InvitationStatus.STARTED
    row: dict[str, Any] = {
        "invitation_id": found.invitation_id,
        "version_id": version_id,
        "questionnaire_id": found.questionnaire_id,
        "wave_id": found.wave_id,
        "customer_id": found.customer_id,
        "touchpoint_id": found.touchpoint_id,
        "employee_id": found.employee_id,
        "team_id": found.team_id,
        "language": language,
        "page_reached": page,
        "started_at": now,
        "completed_at": now if completed else None,
        "created_at": now,
        "updated_at": now,
        "source": source,
    }
    if conn.dialect.name == "postgresql":
        answers = list(values.items())
        rid = conn.scalar(
            _POSTGRES,
            {
                **row,
                "codes": [code for code, _v in answers],
                "numbers": [None if v.number is None else float(v.number) for _c, v in answers],
                "texts": [v.text for _c, v in answers],
                "choices": [
                    None if v.choices is None else json.dumps(list(v.choices)) for _c, v in answers
                ],
                "dont_knows": [v.dont_know for _c, v in answers],
                "status": status.value,
            },
        )
        return None if rid is None else int(rid)
    rid = conn.scalar(CLAIM[conn.dialect.name], row)
    if rid is None:
        return None
    if values:
        conn.execute(ADD_ANSWERS, answer_rows(int(rid), values))
    conn.execute(SET_STATUS, {"b_id": found.invitation_id, "b_status": status.value})
    return int(rid)
