"""Long lists of ids cut into pieces for ``IN (…)``: SQLite binds at most 32,766 parameters
in one statement, and a very long list is slow to plan on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["IN_LIST_SIZE", "in_chunks"]

#: Ids in one ``IN (…)`` list: far below SQLite's limit, with room for a few more parameters.
IN_LIST_SIZE = 5000

T = TypeVar("T")


def in_chunks(ids: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``ids`` in consecutive pieces of at most ``size``, in their order."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
