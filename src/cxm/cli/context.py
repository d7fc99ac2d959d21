"""What every command that touches the store needs: settings and an open store."""

from __future__ import annotations

from cxm.config import Settings, load_settings
from cxm.store import Store

__all__ = ["open_store", "settings"]


def settings() -> Settings:
    return load_settings()


def open_store(*, migrate: bool = True) -> Store:
    """Open the configured database (migrating an empty one)."""
    return Store.open(settings().database_url, migrate=migrate)
