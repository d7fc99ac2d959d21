"""``cxm compute customers`` (the per-customer table on DuckDB, Spark or the store) and
``cxm export TABLE|all --format parquet`` (the store's tables for a data lake)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from cxm.cli.context import open_store
from cxm.cli.output import console, print_json, progress_bar
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["LAKE_COMMANDS", "register"]

#: ``cxm export`` subcommands writing Parquet (cxm.frames.lake.LAKE_TABLES, customers
#: aside: ``cxm export customers`` keeps its CSV/XLSX and gains ``--format parquet``).
LAKE_COMMANDS = (
    "purchases",
    "touchpoints",
    "segment_definitions",
    "segment_memberships",
    "survey_waves",
    "survey_responses",
    "survey_answers",
    "customer_aggregates",
)

JSON = typer.Option(False, "--json", help="Print the result as JSON.")
SOURCE = typer.Option(
    None,
    "--source",
    help="Purchases as a Parquet or CSV file, a folder of Parquet files, a lake folder "
    "(purchases.parquet…) or a DuckDB file; default CXM_COMPUTE_SOURCE, else the store.",
)
ENGINE = typer.Option(
    None, "--engine", help="store, duckdb or spark (default: CXM_COMPUTE; duckdb with --source)."
)
AS_OF = typer.Option(None, "--as-of", help="Date the figures are as of (default: last purchase).")
LAKE_FORMAT = typer.Option("parquet", "--format", help="parquet.")
LAKE_OUT = typer.Option(Path("lake"), "--out", help="Folder the Parquet files go to.")


def compute_customers(
    source: str | None = SOURCE,
    engine: str | None = ENGINE,
    as_of: str | None = AS_OF,
    as_json: bool = JSON,
) -> None:
    """Compute the per-customer table (RFM, profit, purchase gaps, BG/NBD inputs) on an
    engine and write it into the store (customer_aggregates), replacing the last one."""
    from cxm.config import load_settings
    from cxm.management.computed import compute_customers as run

    settings = load_settings()
    src = source or settings.compute_source or None
    kind = engine or (settings.compute if settings.compute != "store" or not src else "duckdb")
    day: date | None = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InputError(
                _("--as-of {value}: not a date (use YYYY-MM-DD).", value=as_of)
            ) from None
    with open_store() as store, store.session() as session:
        with progress_bar(transient=as_json) as bar:
            task = bar.add_task(_("Computing on {engine}", engine=kind), total=None)

            def phase(name: str) -> None:
                if name == "write":
                    bar.update(task, description=_("Writing to the store"), completed=0)

            result = run(
                session,
                engine=kind,
                source=src,
                as_of=day,
                on_phase=phase,
                on_total=lambda n: bar.update(task, total=n),
                on_batch=lambda n: bar.advance(task, n),
            )
        session.commit()
    if as_json:
        print_json(
            {
                "engine": result.engine,
                "source": result.source,
                "as_of": result.as_of.isoformat(),
                "customers": result.customers,
                "compute_seconds": round(result.compute_seconds, 3),
                "write_seconds": round(result.write_seconds, 3),
            }
        )
        return
    console.print(
        _(
            "{n} customers computed on {engine} as of {day} ({compute:.1f} s) and written "
            "({write:.1f} s).",
            n=result.customers,
            engine=result.engine,
            day=result.as_of.isoformat(),
            compute=result.compute_seconds,
            write=result.write_seconds,
        )
    )


def export_lake(names: list[str], file_format: str, out: Path, as_json: bool) -> None:
    """Write store tables as Parquet files under ``out``."""
    from cxm.frames.lake import export_tables
    from cxm.registry import metadata

    if file_format.strip().lower() != "parquet":
        raise InputError(_("Unknown format {format!r}: use parquet.", format=file_format))
    with open_store() as store, store.session() as session, progress_bar(transient=as_json) as bar:
        task = bar.add_task(_("Exporting"), total=None)
        files = export_tables(
            session,
            names,
            out,
            metadata=metadata,
            on_total=lambda n: bar.update(task, total=n),
            on_batch=lambda n: bar.advance(task, n),
        )
    if as_json:
        print_json({"files": {k: str(v) for k, v in files.items()}})
        return
    for name, path in files.items():
        console.print(_("{table} → {file}", table=name, file=str(path)))


def _lake_command(name: str) -> Any:
    def command(file_format: str = LAKE_FORMAT, out: Path = LAKE_OUT, as_json: bool = JSON) -> None:
        export_lake([name], file_format, out, as_json)

    command.__doc__ = f"Export the {name} table as Parquet (for a data lake)."
    return command


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Aggregations on DuckDB, Spark or the store (CXM_COMPUTE).", no_args_is_help=True
    )
    group.command("customers")(compute_customers)
    app.add_typer(group, name="compute")
    export = next(g.typer_instance for g in app.registered_groups if g.name == "export")
    if export is None:
        raise RuntimeError("the export command group has no Typer app")
    for name in LAKE_COMMANDS:
        export.command(name)(_lake_command(name))

    def export_all(
        file_format: str = LAKE_FORMAT, out: Path = LAKE_OUT, as_json: bool = JSON
    ) -> None:
        """Export every analysis table (customers without contact details, purchases,
        touchpoints, segments, surveys, the per-customer table) as Parquet files."""
        export_lake(["all"], file_format, out, as_json)

    export.command("all")(export_all)
