"""The store: engine, sessions, models' base and migrations. Only the store and the
domain services talk SQL."""

from __future__ import annotations

from cxm.store.base import Base, TimestampMixin, json_type, utcnow
from cxm.store.engine import Store, make_engine, redact_url

__all__ = ["Base", "Store", "TimestampMixin", "json_type", "make_engine", "redact_url", "utcnow"]
