"""A response's first save in one short write: the claim of the invitation (one response
per invitation), the page's answers and the invitation's status.

On PostgreSQL the write is one statement run outside an explicit transaction: the
statement is its own transaction, committed (WAL flushed) before the server answers, so a
save costs two round trips (the look-up and the write) instead of seven (BEGIN, look-up,
claim, answers, status, COMMIT and a pool ping). Both go straight to the psycopg
connection, with SQL compiled once: SQLAlchemy's per-statement work cost more CPU than
the statements. On SQLite, where a statement costs no round trip, it is the same Core
statements as :func:`~cxm.surveys.responses.save_page`, in one transaction.

Most respondents answer a one-page survey once, so this is their whole path. Anything else
(a later page, a response made meanwhile by another tab) is left to
:func:`~cxm.surveys.responses.save_page`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError

from cxm.errors import NotFound
from cxm.i18n import _
from cxm.jobs.models import Job, JobStatus
from cxm.jobs.outbox import ANSWER_COMPLETED, answer_completed
from cxm.store import Store
from cxm.surveys.answering import (
    ADD_ANSWERS,
    ANSWERS,
    CLAIM,
    INVITATIONS,
    LOOKUP,
    RESPONSES,
    SET_STATUS,
    VERSIONS,
    Lookup,
    answer_rows,
    lookup,
    lookup_from_row,
    parsed_definition,
    response_row,
    version_of,
)
from cxm.surveys.invitations import LinkInvalid
from cxm.surveys.models import InvitationStatus
from cxm.surveys.schema import QuestionnaireDef
from cxm.surveys.tokens import hash_token, looks_like_token
from cxm.surveys.validation import AnswerValue

__all__ = ["FirstSave", "first_save"]


class FirstSave(Protocol):
    """The three steps of a first save, on one connection."""

    def lookup(self, *, token: str, now: datetime) -> Lookup: ...

    def version_of(self, found: Lookup) -> tuple[int, QuestionnaireDef]: ...

    def insert(
        self,
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
        """The new response's id, or ``None`` (nothing written) when the invitation has a
        response already."""


@contextmanager
def first_save(store: Store) -> Iterator[FirstSave]:
    """A connection for a first save: autocommit on PostgreSQL (the write commits by
    itself), a transaction committed on leaving on SQLite."""
    if store.dialect == "postgresql":
        with _postgres_cursor(store) as cursor:
            yield _PostgresFirstSave(cursor)
    else:
        with store.writing(), store.engine.begin() as conn:
            yield _CoreFirstSave(conn)


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


def _status(completed: bool) -> str:
    return (InvitationStatus.COMPLETED if completed else InvitationStatus.STARTED).value


class _CoreFirstSave:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lookup(self, *, token: str, now: datetime) -> Lookup:
        return lookup(self.conn, token=token, now=now)

    def version_of(self, found: Lookup) -> tuple[int, QuestionnaireDef]:
        return version_of(self.conn, found)

    def insert(
        self,
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
        row = response_row(
            found,
            version_id=version_id,
            page_reached=page,
            completed=completed,
            language=language,
            source=source,
            now=now,
        )
        rid = self.conn.scalar(CLAIM[self.conn.dialect.name], row)
        if rid is None:
            return None
        if values:
            self.conn.execute(ADD_ANSWERS, answer_rows(int(rid), values))
        self.conn.execute(SET_STATUS, {"b_id": found.invitation_id, "b_status": _status(completed)})
        if completed:  # the outbox row, in the same transaction
            answer_completed(self.conn, int(rid))
        return int(rid)


def _postgres_write() -> str:
    # The answers come as one JSON array (cheaper to send than one array per column), so
    # one statement, prepared once per connection by psycopg, serves pages with any number
    # of answers. The answers and the status are written only when the claim inserted a
    # row: on a conflict nothing at all is written. A completed answer's outbox row (the
    # job that runs the case rules on it) is one more INSERT of the same statement, so it
    # commits with the answer or not at all, at no extra round trip.
    columns = _RESPONSE_COLUMNS
    statement = text(
        f"""
        WITH claimed AS (
            INSERT INTO {RESPONSES.name} ({", ".join(columns)})
            VALUES ({", ".join(f":{c}" for c in columns)})
            ON CONFLICT (invitation_id) DO NOTHING
            RETURNING id
        ), answers AS (
            INSERT INTO {ANSWERS.name}
                (response_id, question_code, number, text, choices, dont_know)
            SELECT claimed.id, a.code, a.number, a.text, a.choices, a.dont_know
            FROM claimed, jsonb_to_recordset(CAST(:answers AS JSONB)) AS a(
                code VARCHAR, number FLOAT8, text TEXT, choices JSONB, dont_know BOOLEAN
            )
        ), status AS (
            UPDATE {INVITATIONS.name} SET status = :status, updated_at = :updated_at
            WHERE id = :invitation_id AND EXISTS (SELECT FROM claimed)
        ), outbox AS (
            INSERT INTO {Job.__tablename__} (name, payload, key, status, run_at, attempts,
                max_attempts, created_at, updated_at)
            SELECT CAST(:job_name AS VARCHAR), jsonb_build_object('response_id', claimed.id),
                CAST(:job_name AS VARCHAR) || ':' || claimed.id, :job_status, :updated_at, 0,
                :job_attempts, :updated_at, :updated_at
            FROM claimed WHERE CAST(:job AS BOOLEAN)
            ON CONFLICT (key) DO NOTHING
        )
        SELECT id FROM claimed
        """  # noqa: S608 - table and column names come from our metadata
    )
    return statement.compile(dialect=_PSYCOPG).string


_PSYCOPG = PGDialect_psycopg()  # type: ignore[no-untyped-call]
_LOOKUP_SQL = LOOKUP.compile(dialect=_PSYCOPG)
_WRITE_SQL = _postgres_write()
_JOB_PARAMS = {
    "job_name": ANSWER_COMPLETED,
    "job_status": JobStatus.QUEUED.value,
    "job_attempts": 5,  # the job's max_attempts (checked against its registration in a test)
}
# the table's name comes from our metadata
_DEFINITION_SQL = f"SELECT definition FROM {VERSIONS.name} WHERE id = %(id)s"  # noqa: S608


@contextmanager
def _postgres_cursor(store: Store) -> Iterator[Any]:
    """A psycopg cursor on a pooled connection in autocommit mode; psycopg's errors come
    out as SQLAlchemy's (``IntegrityError`` …), as on every other path."""
    import psycopg

    pooled = store.engine.raw_connection()
    try:
        conn = pooled.driver_connection
        if not isinstance(conn, psycopg.Connection):
            raise TypeError(f"not a psycopg connection: {type(conn)}")
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                yield cursor
        except psycopg.Error as exc:
            lost = conn.closed or isinstance(exc, psycopg.OperationalError)
            if lost:
                pooled.invalidate(exc)
            raise DBAPIError.instance(
                None, None, exc, psycopg.Error, connection_invalidated=lost
            ) from exc
        finally:
            if not conn.closed:
                conn.autocommit = False
    finally:
        pooled.close()  # back to the pool


class _PostgresFirstSave:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def lookup(self, *, token: str, now: datetime) -> Lookup:
        if not looks_like_token(token):
            raise LinkInvalid()
        self.cursor.execute(
            _LOOKUP_SQL.string, {**_LOOKUP_SQL.params, "token_hash": hash_token(token)}
        )
        return lookup_from_row(self.cursor.fetchone(), now=now)

    def version_of(self, found: Lookup) -> tuple[int, QuestionnaireDef]:
        version_id = found.version_id
        if version_id is None:
            raise NotFound(_("The questionnaire has no version."))

        def load() -> Any:
            self.cursor.execute(_DEFINITION_SQL, {"id": version_id})
            return self.cursor.fetchone()[0]

        return version_id, parsed_definition(version_id, found.version_stamp, load)

    def insert(
        self,
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
        self.cursor.execute(
            _WRITE_SQL,
            {
                **response_row(
                    found,
                    version_id=version_id,
                    page_reached=page,
                    completed=completed,
                    language=language,
                    source=source,
                    now=now,
                ),
                "answers": json.dumps(
                    [
                        {
                            "code": code,
                            "number": v.number,
                            "text": v.text,
                            "choices": v.choices,
                            "dont_know": v.dont_know,
                        }
                        for code, v in values.items()
                    ]
                ),
                "status": _status(completed),
                "job": completed,
                **_JOB_PARAMS,
            },
        )
        row = self.cursor.fetchone()
        return None if row is None else int(row[0])
