"""Alembic, driven from code: no alembic.ini needed."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

from cxm.errors import SchemaOutdated
from cxm.i18n import _

__all__ = ["alembic_config", "current_revisions", "ensure_schema", "head_revisions", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, target: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), target)


#: A module-level ``revision = …`` or ``down_revision = …`` line of a migration file.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*(?:#.*)?$", re.M)


@functools.cache
def _declared_heads() -> frozenset[str]:
    """The head revisions, read from the ``revision`` and ``down_revision`` lines of the
    migration files without importing Alembic or parsing the files (a command's start-up:
    parsing every migration cost a tenth of a second)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, literal in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            value = ast.literal_eval(literal)
            values = value if isinstance(value, tuple | list) else (value,)
            (revisions if name == "revision" else parents).update(
                v for v in values if isinstance(v, str)
            )
    return frozenset(revisions - parents)


def _at_declared_heads(engine: Engine) -> bool:
    """Whether the database is stamped with exactly the declared heads: one query."""
    try:
        with engine.connect() as conn:
            stamped = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except DBAPIError:
        return False
    return bool(stamped) and stamped == _declared_heads()


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; raise :class:`SchemaOutdated` for one behind the code."""
    if _at_declared_heads(engine):
        return  # the common case, without importing Alembic
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
