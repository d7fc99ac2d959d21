"""``cxm scores FILE`` and ``cxm drivers FILE``: satisfaction scores and key drivers on a file.

Thin: read the file with :func:`cxm.files.read_table`, call :mod:`cxm.analytics`, render a
table or one JSON document (``--json``) whose numbers are the ones reports show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["drivers", "register", "scores"]


def _names(values: list[str] | None) -> list[str]:
    """Column names from repeated options and/or comma-separated lists."""
    out: list[str] = []
    for v in values or []:
        out.extend(part.strip() for part in v.split(",") if part.strip())
    return out


def _codes(values: list[str] | None) -> list[float] | None:
    if not values:
        return None
    try:
        return [float(v) for v in _names(values)]
    except ValueError:
        raise InputError(
            _("--dont-know must be numbers such as 0 or 6 (got {value}).", value=", ".join(values))
        ) from None


def _pct(value: Any) -> str:
    return "" if value is None or value != value else f"{100 * value:.1f}%"


def _num(value: Any, digits: int = 2) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def scores(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per answer.")],
    items: Annotated[
        list[str],
        typer.Option("--items", "-i", help="Five-point items (repeat or comma-separate)."),
    ],
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Group by these columns (repeatable).")
    ] = None,
    nps_items: Annotated[
        list[str] | None, typer.Option("--nps", help="0–10 recommend items for NPS.")
    ] = None,
    dont_know: Annotated[
        list[str] | None, typer.Option("--dont-know", help="Codes meaning don't know, e.g. 6.")
    ] = None,
    min_n: Annotated[
        int | None,
        typer.Option("--min-n", help="Suppress groups with fewer answers (default CXM_MIN_N)."),
    ] = None,
    missing_code: Annotated[
        list[float] | None,
        typer.Option("--missing-code", help="A code meaning no answer, e.g. -99 (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """CSAT, the 100-point score and the mean (and NPS) per item and group."""
    from cxm.analytics.scores import scores as compute_scores
    from cxm.analytics.scores_nps import nps
    from cxm.cli.context import settings
    from cxm.cli.output import console, print_json, print_table
    from cxm.files.tables import read_labelled_table, with_labels

    min_n = min_n or settings().min_n
    read = read_labelled_table(file, missing_codes=tuple(missing_code or ()))
    group = _names(by)
    df = with_labels(read.frame, group, read.value_labels)
    table = compute_scores(
        df, _names(items), by=group or None, dont_know=_codes(dont_know), min_n=min_n
    )
    nps_table = (
        nps(df, _names(nps_items), by=group or None, dont_know=_codes(dont_know), min_n=min_n)
        if nps_items
        else None
    )
    if as_json:
        print_json(
            {
                "file": file.name,
                "rows": len(df),
                "by": group,
                "min_n": min_n,
                "scores": _records(table),
                "nps": None if nps_table is None else _records(nps_table),
            }
        )
        return
    console.print(_("{rows} rows in {file}.", rows=len(df), file=file.name))
    head = [*group, _("item"), "n", "CSAT", _("95% CI"), _("100-point score"), _("mean"), _("note")]
    print_table(
        _("Satisfaction scores"),
        head,
        [
            [
                *(str(r[g]) for g in group),
                r["item"],
                r["n"],
                _pct(r["csat"]),
                "" if r["suppressed"] else f"{_pct(r['csat_ci_low'])}–{_pct(r['csat_ci_high'])}",
                _num(r["score_100"], 1),
                _num(r["mean"]),
                r["reason"] or "",
            ]
            for r in _records(table)
        ],
    )
    if nps_table is not None:
        print_table(
            _("Net Promoter Score"),
            [
                *group,
                _("item"),
                "n",
                "NPS",
                _("95% CI"),
                _("promoters"),
                _("detractors"),
                _("note"),
            ],
            [
                [
                    *(str(r[g]) for g in group),
                    r["item"],
                    r["n"],
                    _num(r["nps"], 1),
                    "" if r["suppressed"] else f"{_num(r['ci_low'], 1)}–{_num(r['ci_high'], 1)}",
                    _pct(r["promoters"]),
                    _pct(r["detractors"]),
                    r["reason"] or "",
                ]
                for r in _records(nps_table)
            ],
        )


def _scale(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        low, high = (float(v) for v in value.replace("..", ",").split(","))
    except ValueError:
        raise InputError(
            _("--scale must be two numbers like 1,5 (got {value}).", value=value)
        ) from None
    return low, high


def drivers(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per answer.")],
    outcome: Annotated[
        str, typer.Option("--outcome", "-o", help="Overall satisfaction or loyalty column.")
    ],
    items: Annotated[
        list[str], typer.Option("--items", "-i", help="Driver items (repeat or comma-separate).")
    ],
    importance: Annotated[
        str,
        typer.Option("--importance", help="relative_weight, shapley, correlation or beta."),
    ] = "relative_weight",
    split: Annotated[str, typer.Option("--split", help="Quadrant split: mean or median.")] = "mean",
    scale: Annotated[
        str | None, typer.Option("--scale", help="Answer scale of the items, e.g. 1,5.")
    ] = None,
    missing_code: Annotated[
        list[float] | None,
        typer.Option("--missing-code", help="A code meaning no answer, e.g. -99 (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Key drivers of an outcome: relative weights, Shapley R², quadrants and priorities."""
    from cxm.analytics.drivers import key_drivers
    from cxm.cli.output import console, print_json, print_table
    from cxm.files import read_table

    if importance not in ("relative_weight", "shapley", "correlation", "beta"):
        raise InputError(
            _(
                "--importance must be relative_weight, shapley, correlation or beta (got {value}).",
                value=importance,
            )
        )
    if split not in ("mean", "median"):
        raise InputError(_("Split must be mean or median, got {split}.", split=split))
    df = read_table(file, missing_codes=tuple(missing_code or ()))
    from cxm.files.tables import refuse_missing_codes

    refuse_missing_codes(df, [outcome, *_names(items)])
    result = key_drivers(
        df,
        outcome,
        _names(items),
        importance=importance,  # type: ignore[arg-type]
        scale=_scale(scale),
        split=split,  # type: ignore[arg-type]
    )
    if as_json:
        print_json(
            {
                "file": file.name,
                "outcome": result.outcome,
                "n": result.n,
                "r2": result.r2,
                "importance": importance,
                "split": split,
                "drivers": _records(result.summary),
                "priorities": _records(result.priorities),
            }
        )
        return
    console.print(
        _(
            "Drivers of {outcome}: R² = {r2}, n = {n}.",
            outcome=outcome,
            r2=_num(result.r2, 3),
            n=result.n,
        )
    )
    print_table(
        _("Key drivers"),
        [_("item"), "r", "beta", _("relative weight"), "Shapley", _("performance"), _("quadrant")],
        [
            [
                r["item"],
                _num(r["correlation"], 3),
                _num(r["beta"], 3),
                _num(r["relative_weight_pct"], 1) + "%",
                "" if r["shapley_pct"] != r["shapley_pct"] else _num(r["shapley_pct"], 1) + "%",
                _num(r["performance"], 1),
                r["quadrant_label"],
            ]
            for r in _records(result.summary)
        ],
    )
    print_table(
        _("What to improve first"),
        ["#", _("item"), _("quadrant"), _("priority")],
        [
            [r["priority_rank"], r["item"], r["quadrant_label"], _num(r["priority"], 2)]
            for r in _records(result.priorities)
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("scores")(scores)
    app.command("drivers")(drivers)
