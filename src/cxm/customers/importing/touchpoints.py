"""Validate chunks of a touchpoints file (contacts of known customers with staff)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection

from cxm.customers.importing.checks import Chunk
from cxm.customers.importing.codes import StageReader
from cxm.customers.importing.columns import ColumnMap
from cxm.customers.importing.rows import customer_keys, row_keys
from cxm.customers.importing.staff import resolve_staff

__all__ = ["TOUCHPOINT_COLUMNS", "touchpoint_update_columns", "validate_touchpoints"]

TOUCHPOINT_COLUMNS = (
    "external_id",
    "customer_id",
    "occurred_at",
    "channel",
    "stage",
    "employee_id",
    "team_id",
    "note",
)
_TOUCHPOINT_FIELD_COLUMN = {
    "customer_id": "customer_id",
    "occurred_at": "occurred_at",
    "channel": "channel",
    "stage": "stage",
    "employee_id": "employee_id",
    "employee_name": "employee_id",
    "team": "team_id",
    "note": "note",
}


def touchpoint_update_columns(columns: ColumnMap) -> list[str]:
    if not columns.has("touchpoint_id"):
        return []
    out = {c for f, c in _TOUCHPOINT_FIELD_COLUMN.items() if columns.has(f)}
    if "employee_id" in out:
        out.add("team_id")
    return sorted(out)


def stage_reader(conn: Connection) -> StageReader:
    """The active journey's stages (the shipped default is loaded when none is, as the
    journey service does), read inside the import's transaction."""
    from sqlalchemy.orm import Session

    from cxm.journey.service import active_journey

    with Session(bind=conn) as session:
        journey = active_journey(session)
        codes = [s.code for s in journey.stages]
        labels = {s.code: {k: str(v) for k, v in dict(s.label).items()} for s in journey.stages}
        session.flush()
    return StageReader(codes, labels)


def validate_touchpoints(chunk: Chunk, conn: Connection) -> pd.DataFrame:
    customer_ids, customers = customer_keys(chunk, conn)

    occurred = chunk.dates("occurred_at", required=True, moment=True)
    reader = chunk.state.stage_reader
    if reader is None:
        reader = chunk.state.stage_reader = stage_reader(conn)
    stages = chunk.parsed("stage", reader, required=True)
    stage = pd.Series(stages, index=chunk.frame.index, dtype=object)
    channel = chunk.text("channel", max_length=100)
    note = chunk.text("note", max_length=10_000)
    employee_ids = chunk.text("employee_id", max_length=100)
    employee_names = chunk.text("employee_name", max_length=200)
    teams = chunk.text("team", max_length=200)
    employee, team = resolve_staff(conn, employee_ids, employee_names, teams)
    keys = row_keys(
        chunk,
        "touchpoint_id",
        "touchpoint",
        [
            customer_ids,
            occurred.map(lambda d: d.isoformat() if d else None),
            stage,
            channel,
            employee_ids.where(employee_ids.notna(), employee_names),
            note,
        ],
    )
    return pd.DataFrame(
        {
            "external_id": keys,
            "customer_id": customers,
            "occurred_at": occurred,
            "channel": channel,
            "stage": stage,
            "employee_id": employee,
            "team_id": team,
            "note": note,
        },
        index=chunk.frame.index,
    )
