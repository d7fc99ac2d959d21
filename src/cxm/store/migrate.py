"""Alembic, driven from code: no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from cxm.errors import SchemaOutdated
from cxm.i18n import _

__all__ = ["alembic_config", "current_revisions", "ensure_schema", "head_revisions", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revisions(engine: Engine) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, target: str = "heads") -> None:
    command.upgrade(alembic_config(engine), target)


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; raise :class:`SchemaOutdated` for one behind the code."""
    tables = set(inspect(engine).get_table_names())
    if not tables - {"alembic_version"}:
        upgrade(engine)
        return
    current = current_revisions(engine)
    heads = head_revisions(engine)
    if current != heads:
        raise SchemaOutdated(
            _(
                "The database schema is at {current} but this version of CXM needs {heads}: "
                "run `cxm db upgrade` (back up the database first).",
                current=", ".join(sorted(current)) or "none",
                heads=", ".join(sorted(heads)),
            )
        )
