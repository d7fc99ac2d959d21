"""``cxm db``: the database schema."""

from __future__ import annotations

import typer

from cxm.cli.context import open_store
from cxm.cli.output import console
from cxm.i18n import _

__all__ = ["register"]


def upgrade(
    no_backup: bool = typer.Option(
        False, "--no-backup", help="Migrate without taking a backup first."
    ),
) -> None:
    """Bring the database schema up to this version of CXM (after a backup)."""
    from cxm.cli.backups import take_backup
    from cxm.store.migrate import current_revisions, head_revisions
    from cxm.store.migrate import upgrade as run_upgrade

    with open_store(migrate=False) as store:
        behind = current_revisions(store.engine) != head_revisions(store.engine)
        has_data = bool(set(store.table_names()) - {"alembic_version"})
    if behind and has_data and not no_backup:
        take_backup()
    with open_store(migrate=False) as store:
        run_upgrade(store.engine)
        revs = ", ".join(sorted(current_revisions(store.engine)))
    console.print(_("Database schema is at {rev}.", rev=revs))


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Database schema.", no_args_is_help=True)
    db.command("upgrade")(upgrade)
    app.add_typer(db, name="db")
