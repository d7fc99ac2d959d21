"""``cxm moments``: moments of truth on every imported touchpoint type."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.management_options import AsOfOpt, JsonOpt, render
from cxm.i18n import _

__all__ = ["register"]


def moments(
    min_n: Annotated[int, typer.Option("--min-n")] = 30,
    export: Annotated[
        Path | None, typer.Option("--export", help="Also write the per-moment table (CSV).")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """CSAT per moment of truth and stage, and each moment's weight in overall satisfaction."""
    from cxm.cli.context import open_store
    from cxm.cli.output import err_console, print_json
    from cxm.management.moments import moments_of_truth

    with open_store() as store, store.session() as s:
        result = moments_of_truth(s, as_of=as_of, min_n=min_n)
    if export is not None:
        result.by_moment.to_csv(export, index=False)
        err_console.print(_("Written: {path}", path=str(export)), markup=False)
    if as_json:
        print_json(result.to_dict())
        return
    cols = ["moment", "n", "csat", "csat_ci_low", "csat_ci_high", "r_overall", "weight"]
    render(_("Moments of truth: CSAT and weight in overall satisfaction"), result.by_moment, cols)
    render(
        _("Moments of truth by journey stage"),
        result.by_stage,
        ["stage", "moment", "n", "csat", "csat_ci_low", "csat_ci_high"],
    )


def register(app: typer.Typer) -> None:
    app.command("moments")(moments)
