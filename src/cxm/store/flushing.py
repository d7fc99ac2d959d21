"""Work to do before a session writes: a hook for the layers above the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

__all__ = ["before_each_flush"]

_PREPARE: list[Callable[[], object]] = []


def _prepare(_session: Session, _flush_context: Any, _instances: Any) -> None:
    for prepare in _PREPARE:
        prepare()


def before_each_flush(prepare: Callable[[], object]) -> None:
    """Call ``prepare()`` before every flush of every session from now on (once however
    often it is registered): e.g. import every domain's models, whose foreign keys
    SQLAlchemy resolves when it orders a flush, only when something is written."""
    if prepare not in _PREPARE:
        _PREPARE.append(prepare)
    if not event.contains(Session, "before_flush", _prepare):
        event.listen(Session, "before_flush", _prepare)
