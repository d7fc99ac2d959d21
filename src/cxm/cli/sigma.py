"""``cxm sigma FILE`` and ``cxm chart FILE``: DPMO, sigma level and control charts on any file.

Thin like ``cxm scores``: read the file with :func:`cxm.files.read_table`, call
:mod:`cxm.analytics.sigma` or :mod:`cxm.analytics.control_charts`, render a table or one JSON
document (``--json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.errors import InputError
from cxm.i18n import _
from cxm.jsonable import records

__all__ = ["chart", "register", "sigma"]


def _num(value: Any, digits: int = 4) -> str:
    if value is None or value != value:
        return ""
    if value in (float("inf"), float("-inf")):
        return "∞"
    return f"{value:.{digits}f}"


def sigma(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per unit.")],
    defects: Annotated[str, typer.Option("--defects", help="Column with defects per row.")],
    opportunities: Annotated[
        str, typer.Option("--opportunities", help="Column with opportunities per row.")
    ],
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Group by these columns (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """DPMO, yield and sigma level (1.5 shift), overall or per group, worst first."""
    from cxm.analytics.sigma import sigma_table
    from cxm.cli.output import console, print_json, print_table
    from cxm.files import read_table

    df = read_table(file)
    keys = [part.strip() for v in by or [] for part in v.split(",") if part.strip()]
    table = sigma_table(df, defects, opportunities, by=keys or None)
    if as_json:
        print_json({"file": file.name, "rows": len(df), "by": keys, "groups": records(table)})
        return
    console.print(_("{rows} rows in {file}.", rows=len(df), file=file.name))
    print_table(
        _("Defects per million opportunities"),
        [*keys, _("units"), _("defects"), _("opportunities"), "DPMO", _("yield"), _("sigma")],
        [
            [
                *(str(r[k]) for k in keys),
                r["units"],
                _num(r["defects"], 0),
                _num(r["opportunities"], 0),
                _num(r["dpmo"], 0),
                f"{100 * r['yield']:.3f}%",
                _num(r["sigma_level"], 2),
            ]
            for r in records(table)
        ],
    )


def chart(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or SPSS .sav file, one row per point.")],
    kind: Annotated[str, typer.Option("--kind", help="p, np, u or xmr.")],
    value: Annotated[
        str, typer.Option("--value", help="Defectives (p, np), defects (u) or measurement (xmr).")
    ],
    size: Annotated[
        str | None, typer.Option("--size", help="Units inspected per point (p, np, u).")
    ] = None,
    base: Annotated[
        int | None, typer.Option("--base", help="The first N points set the limits.")
    ] = None,
    rules: Annotated[str, typer.Option("--rules", help="nelson or western_electric.")] = "nelson",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """A p, np, u or XmR control chart with the points that break a rule."""
    from cxm.analytics.control_charts import CHART_KINDS, control_chart
    from cxm.cli.output import console, print_json, print_table
    from cxm.files import read_table

    if kind not in CHART_KINDS:
        raise InputError(_("--kind must be p, np, u or xmr (got {value}).", value=kind))
    df = read_table(file)
    result = control_chart(
        df,
        kind,  # type: ignore[arg-type]
        value,
        size,
        base=base,
        rules=rules,  # type: ignore[arg-type]
    )
    if as_json:
        print_json({"file": file.name, **result.to_dict()})
        return
    lim = result.limits
    pts = result.points
    console.print(
        _(
            "{kind} chart of {value}: {n} points, centre {centre}, limits from the first "
            "{base} points.",
            kind=kind,
            value=value,
            n=len(pts),
            centre=_num(pts["centre"].iloc[0] if kind == "np" else lim.centre),
            base=lim.base_points,
        )
    )
    if kind in ("p", "u") and pts["size"].nunique() > 1:
        console.print(_("Sample sizes vary, so the limits vary per point (see --json)."))
    else:
        console.print(
            _(
                "Lower limit {lcl}, upper limit {ucl}.",
                lcl=_num(pts["lcl"].iloc[0]),
                ucl=_num(pts["ucl"].iloc[0]),
            )
        )
    if result.violations.empty:
        console.print(_("No point is out of control."))
        return
    print_table(
        _("Points out of control"),
        [_("point"), _("value"), _("rule"), _("what it means")],
        [
            [r["point"], _num(r["value"]), r["rule"], r["description"]]
            for r in records(result.violations)
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("sigma")(sigma)
    app.command("chart")(chart)
