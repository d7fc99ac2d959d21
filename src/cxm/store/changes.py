"""Has the data changed? The latest values of indexed columns: what a kept result (the
dashboard's, the people and text workspaces', the targets' proposals) compares with before
it is computed again.

Each column is read alone with ``max()``, which an index answers in one lookup on SQLite
and PostgreSQL alike; a fingerprint therefore costs the same at a million customers as at a
thousand. Counting the rows as well (as this once did) read every row of every table
watched: 0.7 s of CPU per dashboard at a million customers. The columns to watch are a
growing id (a row added) and an indexed ``updated_at`` (a row added or changed, erasure
included). A deleted row is not seen unless it held the largest value: the tables watched
are added to and changed, their old rows removed only by retention, which no kept result
depends on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

__all__ = ["count_and_latest", "data_fingerprint", "latest"]


def count_and_latest(session: Session, column: Any, *where: ColumnElement[bool]) -> tuple[int, Any]:
    """The number of rows of ``column``'s table matching ``where`` and the largest value of
    ``column`` among them (``None`` when there are none); for a part of a table that an
    index covers (a wave's answers), not a whole table."""
    n, latest_ = session.execute(select(func.count(), func.max(column)).where(*where)).one()
    return int(n), latest_


def latest(session: Session, column: Any) -> Any:
    """The largest value of ``column`` (``None`` for an empty table): one index lookup
    where the column is indexed (a primary key, an indexed ``updated_at``)."""
    return session.scalar(select(func.max(column)))


def data_fingerprint(session: Session, *columns: Any) -> tuple[str, ...]:
    """The latest value of each column, as text: it changes when a row is added (a growing
    id, an ``updated_at``) or changed (an ``updated_at``). Give indexed columns only. One
    query (a ``max()`` subquery per column, each answered by its index)."""
    if not columns:
        return ()
    row = session.execute(select(*(select(func.max(c)).scalar_subquery() for c in columns))).one()
    return tuple(str(v) for v in row)
