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
FORMAT = typer.Option("csv", "--format", help="csv, xlsx or parquet.")
MAPPING = typer.Option(
    None, "--mapping", help="YAML mapping: columns, value recoding, date format, decimal comma."
)
PRESET = typer.Option(
    None,
    "--preset",
    help="Built-in mapping: uci-online-retail, shopify, tmall (taobao), youzan, olist.",
)
DATE_FORMAT = typer.Option(
    None, "--date-format", help="YMD, DMY, MDY or a strftime pattern (e.g. %d.%m.%Y)."
)
DECIMAL_COMMA = typer.Option(
    None, "--decimal-comma/--decimal-point", help="Amounts are written 1.234,50 (or 1,234.50)."
)
PREVIEW_ROWS = 5
OUT = typer.Option(None, "--out", help="Output file (default customers.FORMAT).")


def _options(
    mapping: Path | None, preset: str | None, date_format: str | None, decimal_comma: bool | None
) -> Any:
    from cxm.customers.importing import ImportOptions
    from cxm.errors import InputError
    from cxm.files.mapping import load_mapping
    from cxm.files.parsing import DATE_ORDERS

    if date_format is not None and date_format.upper() in DATE_ORDERS:
        date_format = date_format.upper()
    elif date_format is not None and "%" not in date_format:
        raise InputError(
            _(
                "--date-format {value!r}: use YMD, DMY, MDY or a strftime pattern such as "
                "%d.%m.%Y.",
                value=date_format,
            )
        )
    return ImportOptions(
        mapping=load_mapping(mapping) if mapping else None,
        preset=preset,
        date_format=date_format,
        decimal_comma=decimal_comma,
        preview=PREVIEW_ROWS,
    )


def _print_dry_run(result: Any) -> None:
    used = result.mapping
    rows = [[field, column] for field, column in used.get("columns", {}).items()]
    rows += [[f"attr:{name}", column] for name, column in used.get("attributes", {}).items()]
    rows += [[_("(ignored)"), column] for column in used.get("ignored", [])]
    rows += [[_("(unknown, ignored)"), column] for column in used.get("unknown", [])]
    print_table(
        _("Mapping used ({source})", source=used.get("source", "")),
        [_("field"), _("column")],
        rows,
    )
    extras = {k: v for k, v in used.items() if k in ("date_format", "decimal_comma", "values")}
    for key, value in extras.items():
        console.print(f"{key}: {value}", highlight=False)
    if result.preview:  # one column per row: the stored fields read down the side
        fields = [f for f in result.preview[0] if f != "row"]
        print_table(
            _("First rows as they would be stored"),
            [_("field"), *(_("row {n}", n=r["row"]) for r in result.preview)],
            [[f, *(r.get(f) or "" for r in result.preview)] for f in fields],
        )


def _run(
    kind: str,
    path: Path,
    *,
    as_json: bool,
    dry_run: bool,
    sheet: str | None,
    options: Any = None,
) -> None:
    from cxm.customers import importing

    run: Callable[..., Any] = getattr(importing, f"import_{kind}")
    quiet = as_json or not err_console.is_terminal
    with open_store() as store, progress_bar(transient=True, disable=quiet) as bar:
        task = bar.add_task(_("Importing {file}", file=path.name), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = run(
                store, path, dry_run=dry_run, progress=progress, sheet=sheet, options=options
            )
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
    if dry_run:
        _print_dry_run(result)
    header = [_("rows"), _("inserted"), _("updated"), _("unchanged")]
    counts = [result.rows, result.inserted, result.updated, result.unchanged]
    if result.skipped:
        header.append(_("skipped"))
        counts.append(result.skipped)
    if result.orders is not None:
        header.append(_("orders"))
        counts.append(result.orders)
    print_table(title, header, [counts])


def import_customers(
    file: Path = FILE,
    as_json: bool = JSON,
    dry_run: bool = DRY_RUN,
    sheet: str = SHEET,
    mapping: Path | None = MAPPING,
    date_format: str | None = DATE_FORMAT,
    decimal_comma: bool | None = DECIMAL_COMMA,
) -> None:
    """Import customers (upsert by customer id)."""
    options = _options(mapping, None, date_format, decimal_comma)
    _run("customers", file, as_json=as_json, dry_run=dry_run, sheet=sheet, options=options)


def import_purchases(
    file: Path = FILE,
    as_json: bool = JSON,
    dry_run: bool = DRY_RUN,
    sheet: str = SHEET,
    mapping: Path | None = MAPPING,
    date_format: str | None = DATE_FORMAT,
    decimal_comma: bool | None = DECIMAL_COMMA,
) -> None:
    """Import purchases of existing customers."""
    options = _options(mapping, None, date_format, decimal_comma)
    _run("purchases", file, as_json=as_json, dry_run=dry_run, sheet=sheet, options=options)


def import_touchpoints(
    file: Path = FILE,
    as_json: bool = JSON,
    dry_run: bool = DRY_RUN,
    sheet: str = SHEET,
    mapping: Path | None = MAPPING,
    date_format: str | None = DATE_FORMAT,
    decimal_comma: bool | None = DECIMAL_COMMA,
) -> None:
    """Import touchpoints of existing customers (missing teams and employees are created)."""
    options = _options(mapping, None, date_format, decimal_comma)
    _run("touchpoints", file, as_json=as_json, dry_run=dry_run, sheet=sheet, options=options)


def import_orders(
    file: Path = FILE,
    as_json: bool = JSON,
    dry_run: bool = DRY_RUN,
    sheet: str = SHEET,
    mapping: Path | None = MAPPING,
    preset: str | None = PRESET,
    date_format: str | None = DATE_FORMAT,
    decimal_comma: bool | None = DECIMAL_COMMA,
) -> None:
    """Import order lines (quantity x unit price, grouped by order; returns and
    cancellations) from a shop or ERP export; each order becomes a purchase."""
    options = _options(mapping, preset, date_format, decimal_comma)
    _run("orders", file, as_json=as_json, dry_run=dry_run, sheet=sheet, options=options)


def export_customers(
    file_format: str = FORMAT, out: Path | None = OUT, as_json: bool = JSON
) -> None:
    """Export every customer to CSV (UTF-8 with BOM) or XLSX, formula-injection safe; or,
    with --format parquet, the customers table for a data lake (no contact details) into
    the folder --out (default lake/)."""
    from cxm.customers.exporting import export_customers as run_export
    from cxm.errors import InputError

    fmt = file_format.strip().lower()
    if fmt == "parquet":
        from cxm.cli.compute import export_lake

        export_lake(["customers"], fmt, out or Path("lake"), as_json)
        return
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
    group.command("orders")(import_orders)
    group.command("touchpoints")(import_touchpoints)
    app.add_typer(group, name="import")
    export = typer.Typer(help="Export the customer file.", no_args_is_help=True)
    export.command("customers")(export_customers)
    app.add_typer(export, name="export")
