"""Has the data changed? Counts and latest values of columns, read with an index where one
exists: what a kept result (the dashboard's, the text workspace's, a kept report) compares
with before it is computed again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

__all__ = ["count_and_latest", "data_fingerprint"]


def count_and_latest(session: Session, column: Any, *where: ColumnElement[bool]) -> tuple[int, Any]:
    """The number of rows of ``column``'s table (those matching ``where``) and the largest
    value of ``column`` among them (``None`` when there are none)."""
    n, latest = session.execute(select(func.count(), func.max(column)).where(*where)).one()
    return int(n), latest


def data_fingerprint(session: Session, *columns: Any) -> tuple[str, ...]:
    """Count and largest value of each column's table, as text: it changes when a row is
    added or removed, or (for an ``updated_at`` or a growing id) when one changes."""
    return tuple(str(p) for column in columns for p in count_and_latest(session, column))
