"""``cxm backup`` and ``cxm restore``: the whole database to one file and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.output import console, err_console
from cxm.i18n import _

__all__ = ["register", "take_backup"]


def take_backup(out: Path | None = None) -> Path:
    """Back up the configured database to ``out`` (default: a stamped file in
    CXM_BACKUP_DIR) and say where it went."""
    from cxm.cli.context import open_store, settings
    from cxm.store.backup import backup, default_backup_name

    with open_store(migrate=False) as store:
        target = out or Path(settings().backup_dir) / default_backup_name(store.dialect)
        result = backup(store, out=target)
    err_console.print(
        _(
            "Backup written to {path} ({size} bytes, {seconds:.1f} s); it holds the data as "
            "of {at}.",
            path=str(result.path),
            size=result.size_bytes,
            seconds=result.seconds,
            at=result.started_at.isoformat(timespec="seconds"),
        )
    )
    return result.path


def backup_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Backup file (default: CXM_BACKUP_DIR/cxm-backup-<time>.*)."),
    ] = None,
) -> None:
    """Back up the whole database to one file (SQLite online backup, or pg_dump)."""
    path = take_backup(out)
    console.print(str(path))


def restore_command(
    source: Annotated[Path, typer.Argument(help="A file written by `cxm backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the whole database with a backup (everything written since is lost)."""
    from cxm.cli.context import open_store
    from cxm.store.backup import restore

    if not yes and not typer.confirm(
        _("Replace every table of the configured database with {path}?", path=str(source))
    ):
        raise typer.Abort()
    with open_store(migrate=False) as store:
        restore(store, source=source)
    console.print(_("Restored {path}.", path=str(source)))


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
