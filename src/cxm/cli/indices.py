"""``cxm index``: the overall satisfaction index by the documents' methods side by side —
importance-weighted (derived or stated importance) and principal components; the PLS
index (method 3) is ``cxm analyze``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]


def index(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS file, one row per respondent.")],
    items: Annotated[
        list[str], typer.Option("--items", "-i", help="Satisfaction items (comma-separate).")
    ],
    overall: Annotated[
        str | None, typer.Option("--overall", help="Overall item to derive importance from.")
    ] = None,
    stated: Annotated[
        list[str],
        typer.Option("--stated", help="ITEM=COLUMN: the column asking how important ITEM is."),
    ] = [],  # noqa: B006
    scale: Annotated[str, typer.Option("--scale", help="Answer scale, e.g. 1,5.")] = "1,5",
    min_n: Annotated[int, typer.Option("--min-n")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Overall satisfaction index (0–100) by method 1 (importance) and method 2 (PCA)."""
    from cxm.analytics.index import index_methods
    from cxm.cli.output import print_json, print_table
    from cxm.cli.scores import _names, _scale
    from cxm.files import read_table

    pairs = {}
    for entry in stated:
        code, sep, column = entry.partition("=")
        if not sep or not code or not column:
            raise InputError(_("Stated importance is ITEM=COLUMN, not {item}.", item=entry))
        pairs[code.strip()] = column.strip()
    df = read_table(file)
    table = index_methods(
        df,
        _names(items),
        overall=overall,
        stated=pairs or None,
        scale=_scale(scale) or (1, 5),
        min_n=min_n,
    )
    if as_json:
        print_json({"file": file.name, "methods": table.to_dict("records")})
        return
    print_table(
        _("Overall satisfaction index, 0–100, by method"),
        [_("method"), _("index"), "95 % CI", "n", _("weights")],
        [
            (
                r["method"],
                f"{r['index']:.1f}",
                f"{r['ci_low']:.1f}–{r['ci_high']:.1f}",
                r["n"],
                ", ".join(f"{k} {v:.2f}" for k, v in r["weights"].items()),
            )
            for r in table.to_dict("records")
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("index")(index)
