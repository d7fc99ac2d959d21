"""Opening many cases on PostgreSQL in one statement of constant text.

The rows travel as one JSON array (``jsonb_to_recordset``), the cases are inserted with
``ON CONFLICT (source_key) DO NOTHING`` and each inserted case's ``created`` history row in
the same statement. SQLAlchemy's multi-row ``INSERT … VALUES … RETURNING`` made a new
statement text for every batch size, with 21 parameters per row, which psycopg parsed anew
each time (statements of more than 50 parameters are not cached): that parsing cost more
CPU than the insert itself in the worker that turns answers into cases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from cxm.cases.codes import CaseStatus, EventKind

__all__ = ["open_cases_postgres"]

#: Columns that differ per case (the rest are the same for every case opened by a rule).
_COLUMNS = (
    ("customer_id", "INTEGER"),
    ("response_id", "INTEGER"),
    ("type", "VARCHAR"),
    ("source", "VARCHAR"),
    ("source_key", "VARCHAR"),
    ("subject", "VARCHAR"),
    ("text", "TEXT"),
    ("priority", "VARCHAR"),
    ("tier", "VARCHAR"),
    ("business_hours", "BOOLEAN"),
    ("first_response_due", "TIMESTAMPTZ"),
    ("resolution_due", "TIMESTAMPTZ"),
)

_NAMES = ", ".join(c for c, _t in _COLUMNS)
_OPEN = text(
    f"""
    WITH opened AS (
        INSERT INTO cases ({_NAMES}, faults, status, opened_at, handoffs, reopened,
            needed_supervisor, version, created_at, updated_at)
        SELECT {", ".join(f"r.{c}" for c, _t in _COLUMNS)}, CAST('[]' AS JSONB), :status,
            :at, 0, 0, false, 1, :at, :at
        FROM jsonb_to_recordset(CAST(:rows AS JSONB))
            AS r({", ".join(f"{c} {t}" for c, t in _COLUMNS)})
        ON CONFLICT (source_key) DO NOTHING
        RETURNING id, source
    ), history AS (
        INSERT INTO case_events (case_id, at, kind, to_status, data)
        SELECT opened.id, :at, :kind, :status, jsonb_build_object('source', opened.source)
        FROM opened
    )
    SELECT count(*) FROM opened
    """  # noqa: S608 - column names and types are the constants above
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # an enum member as its code
    return value


def open_cases_postgres(conn: Connection, rows: Sequence[dict[str, Any]], *, at: datetime) -> int:
    """Insert ``rows`` (the columns of :data:`_COLUMNS`) as new cases opened at ``at``, with
    their history rows; a row whose ``source_key`` exists is skipped. Returns how many
    cases were opened."""
    payload = json.dumps([{c: _plain(r.get(c)) for c, _t in _COLUMNS} for r in rows])
    return int(
        conn.execute(
            _OPEN,
            {
                "rows": payload,
                "at": at,
                "status": CaseStatus.NEW.value,
                "kind": EventKind.CREATED.value,
            },
        ).scalar_one()
    )
