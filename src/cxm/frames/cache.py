"""Reading big results from the store, and reading each of them once per command.

:func:`raw_rows` hands over a query's rows as the driver returns them (tuples), so a
million rows cost no per-row SQLAlchemy objects; callers convert types vectorised.

:func:`shared_reads` and :func:`read_once`: one command (``cxm targets report value``) or
one report calls a dozen service functions, and many of them read the same frames — the
customers, the segment members, a wave's responses. Inside ``with shared_reads():`` a
reader decorated with ``@read_once`` runs once per database and arguments and every later
call gets a copy of that result. ``cxm`` runs every command inside such a block, and the
report builder builds inside one. Outside a block (the web app, tests) the decorator does
nothing: each call reads afresh.

A write ends what was read: any statement other than a read (INSERT, UPDATE, DELETE, DDL)
sent to any database while a block is open empties the block's memo, so a command that
writes and then reads (``cxm segments recompute``) reads what it wrote.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

__all__ = ["raw_rows", "read_once", "shared_reads", "sharing_reads"]

P = ParamSpec("P")
T = TypeVar("T")

_SHARED: ContextVar[dict[Any, Any] | None] = ContextVar("cxm_shared_reads", default=None)


def raw_rows(session: Session, query: Any) -> list[Any]:
    """All rows of ``query`` as the driver returns them (tuples): a million rows without
    SQLAlchemy's per-row objects. Callers convert types themselves, vectorised."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


#: How a statement that only reads begins (after whitespace), in upper case.
_READS = ("SELECT", "WITH", "PRAGMA", "SHOW", "EXPLAIN", "SAVEPOINT", "RELEASE", "BEGIN")


def _forget_on_write(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """Empty the open memo when a statement that may change data is sent."""
    memo = _SHARED.get()
    if not memo:
        return
    head = statement.lstrip()[:9].upper()
    if not head.startswith(_READS) or (head.startswith("WITH") and _writes_in_cte(statement)):
        memo.clear()


def _writes_in_cte(statement: str) -> bool:
    """Whether a ``WITH …`` statement ends in a write (PostgreSQL's data-modifying CTEs)."""
    upper = statement.upper()
    return any(word in upper for word in ("INSERT ", "UPDATE ", "DELETE ", "MERGE "))


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, ``@read_once`` readers compute each result once (nested blocks
    share the outer one). A write sent meanwhile empties the memo: later reads see it."""
    if _SHARED.get() is not None:
        yield
        return
    if not event.contains(Engine, "before_cursor_execute", _forget_on_write):
        event.listen(Engine, "before_cursor_execute", _forget_on_write)
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def sharing_reads() -> bool:
    """Whether this code runs inside :func:`shared_reads` (one report being built)."""
    return _SHARED.get() is not None


def _copy(value: Any) -> Any:
    """Frames and series copied (a caller may add or set columns), also inside a tuple or
    a result dataclass; other results (numbers, dates) as they are."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f for f in dataclasses.fields(value) if f.init]
        return dataclasses.replace(value, **{f.name: _copy(getattr(value, f.name)) for f in fields})
    return value


def read_once(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorate a reader ``fn(session, *args, **kwargs)`` whose result depends only on the
    database and its arguments: inside :func:`shared_reads` it runs once per database and
    arguments. Arguments that cannot be a dictionary key (a frame) skip the memo."""

    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        memo = _SHARED.get()
        if memo is None or not args or not isinstance(args[0], Session):
            return fn(*args, **kwargs)
        # f(s, "x") and f(s, name="x", at=None) are one read: key by every argument's value.
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = tuple(bound.arguments.items())[1:]
        key = (fn.__module__, fn.__qualname__, id(args[0].get_bind()), given)
        try:
            hit = key in memo
        except TypeError:  # an unhashable argument
            return fn(*args, **kwargs)
        if not hit:
            result = fn(*args, **kwargs)
            memo[key] = _copy(result)  # a consolidated copy: later copies of it are cheap
            return result
        kept: T = _copy(memo[key])
        return kept

    return wrapper
