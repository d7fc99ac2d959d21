"""Alembic environment: runs on the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from cxm.registry import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - alembic CLI without our wrapper
    from cxm.config import load_settings
    from cxm.store.engine import make_engine

    engine = make_engine(load_settings().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
