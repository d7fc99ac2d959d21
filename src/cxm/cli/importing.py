"""``cxm import customers|purchases|touchpoints FILE`` and ``cxm export customers``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from cxm.cli.context import open_store
from cxm.cli.output import console, err_console, print_json, print_table, progress_bar
from cxm.errors import ValidationFailed
from cxm.i18n import _

__all__ = ["register"]

FILE = typer.Argument(..., help="CSV (UTF-8, GBK/GB18030, UTF-16) or XLSX file.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")
DRY_RUN = typer.Option(False, "--dry-run", help="Validate and count, then roll back.")
SHEET = typer.Option(None, "--sheet", help="XLSX sheet name or 0-based index (default: first).")
FORMAT = typer.Option("csv", "--format", help="csv or xlsx.")
OUT = typer.Option(None, "--out", help="Output file (default customers.FORMAT).")


def _run(kind: str, path: Path, *, as_json: bool, dry_run: bool, sheet: str | None) -> None:
    from cxm.customers import importing

    run: Callable[..., Any] = getattr(importing, f"import_{kind}")
    quiet = as_json or not err_console.is_terminal
    with open_store() as store, progress_bar(transient=True, disable=quiet) as bar:
        task = bar.add_task(_("Importing {file}", file=path.name), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = run(store, path, dry_run=dry_run, progress=progress, sheet=sheet)
        except ValidationFailed as exc:
            if as_json:
                print_json(exc.to_dict())
            raise
    if as_json:
        print_json(result.to_dict())
        return
    for warning in result.warnings:
        err_console.print(f"[yellow]{_('Warning')}:[/] {warning}", markup=True, highlight=False)
    title = _("Dry run of {file}: nothing was saved", file=result.file) if dry_run else None
    print_table(
        title,
        [_("rows"), _("inserted"), _("updated"), _("unchanged")],
        [[result.rows, result.inserted, result.updated, result.unchanged]],
    )


def import_customers(
    file: Path = FILE, as_json: bool = JSON, dry_run: bool = DRY_RUN, sheet: str = SHEET
) -> None:
    """Import customers (upsert by customer id)."""
    _run("customers", file, as_json=as_json, dry_run=dry_run, sheet=sheet)


def import_purchases(
    file: Path = FILE, as_json: bool = JSON, dry_run: bool = DRY_RUN, sheet: str = SHEET
) -> None:
    """Import purchases of existing customers."""
    _run("purchases", file, as_json=as_json, dry_run=dry_run, sheet=sheet)


def import_touchpoints(
    file: Path = FILE, as_json: bool = JSON, dry_run: bool = DRY_RUN, sheet: str = SHEET
) -> None:
    """Import touchpoints of existing customers (missing teams and employees are created)."""
    _run("touchpoints", file, as_json=as_json, dry_run=dry_run, sheet=sheet)


def export_customers(
    file_format: str = FORMAT, out: Path | None = OUT, as_json: bool = JSON
) -> None:
    """Export every customer to CSV (UTF-8 with BOM) or XLSX, formula-injection safe."""
    from cxm.customers.exporting import export_customers as run_export
    from cxm.errors import InputError

    fmt = file_format.strip().lower()
    if fmt not in ("csv", "xlsx"):
        raise InputError(_("Unknown format {format!r}: use csv or xlsx.", format=file_format))
    path = out or Path(f"customers.{fmt}")
    with open_store() as store:
        n = run_export(store, path, file_format="xlsx" if fmt == "xlsx" else "csv")
    if as_json:
        print_json({"file": str(path), "customers": n})
    else:
        console.print(_("Exported {n} customers to {file}.", n=n, file=str(path)))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Import the customer file from CSV or XLSX.", no_args_is_help=True)
    group.command("customers")(import_customers)
    group.command("purchases")(import_purchases)
    group.command("touchpoints")(import_touchpoints)
    app.add_typer(group, name="import")
    export = typer.Typer(help="Export the customer file.", no_args_is_help=True)
    export.command("customers")(export_customers)
    app.add_typer(export, name="export")
