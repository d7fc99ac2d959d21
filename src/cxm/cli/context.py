"""What every command that touches the store needs: settings and an open store.

Settings (pydantic-settings) and the store (SQLAlchemy) are imported when a command asks
for them, not when the command line is built: ``cxm --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxm.config import Settings
    from cxm.store import Store

__all__ = ["one_command", "open_store", "settings"]

_COMMAND: ContextVar[ExitStack | None] = ContextVar("cxm_cli_command", default=None)


@contextmanager
def one_command() -> Iterator[None]:
    """The span of one command: the first :func:`open_store` in it opens a per-command
    read cache (:func:`cxm.frames.shared_reads`), so the command reads each frame once;
    the cache ends with the command."""
    with ExitStack() as stack:
        token = _COMMAND.set(stack)
        try:
            yield
        finally:
            _COMMAND.reset(token)


def _load_every_table() -> None:
    import cxm.registry  # noqa: F401


def settings() -> Settings:
    from cxm.config import load_settings

    return load_settings()


def open_store(*, migrate: bool = True, cache: bool = True) -> Store:
    """Open the configured database (migrating an empty one). Within a command, the first
    store opened starts the command's read cache — unless ``cache=False``: ``cxm serve``,
    whose requests must each read afresh, runs the web app in this very context."""
    from cxm.store import Store
    from cxm.store.flushing import before_each_flush

    # Every table known to the metadata before the first flush: a model's foreign keys
    # name tables of other domains (a staff user's team), and SQLAlchemy resolves them all
    # when it orders a flush — a command importing only its own domain's models would fail.
    # Loaded then, not here: building every domain's models costs half a second that a
    # command which only reads (``cxm targets report``) does not need to spend.
    before_each_flush(_load_every_table)

    command = _COMMAND.get()
    if command is not None and cache:
        from cxm.frames.cache import shared_reads

        command.enter_context(shared_reads())
    return Store.open(settings().database_url, migrate=migrate)
