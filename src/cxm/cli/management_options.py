"""Options and output shared by the management commands (``cxm segments``, ``targets``,
``churn``, ``lost``, ``loyalty``, ``moments``): below :mod:`cxm.cli.management`, which
registers the targets and economics commands that use them too."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

__all__ = [
    "AsOfOpt",
    "JsonOpt",
    "KOpt",
    "NameArg",
    "RuleOpt",
    "ThresholdOpt",
    "churn_rule",
    "render",
]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Analyse as of this date (YYYY-MM-DD; default: the last date in the data).",
    ),
]
RuleOpt = Annotated[
    str,
    typer.Option(
        "--churn-rule",
        help="auto, recorded, gap (no purchase for k × own gap) or p_alive (BG/NBD).",
    ),
]
KOpt = Annotated[
    float, typer.Option("--k", help="gap rule: lost after k × the customer's own purchase gap.")
]
ThresholdOpt = Annotated[
    float, typer.Option("--p-alive-below", help="p_alive rule: lost when P(alive) is below this.")
]


def churn_rule(rule: str, k: float, threshold: float) -> Any:
    """The :class:`~cxm.management.churn_rules.ChurnRule` the options describe, checked."""
    from cxm.management.churn_rules import ChurnRule

    how = ChurnRule(rule=rule.replace("-", "_"), k=k, threshold=threshold)
    how.check()
    return how


NameArg = Annotated[str, typer.Argument(help="Name of the segment definition.")]


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3f}"
    return str(v)


def render(title: str, frame: Any, columns: list[str] | None = None) -> None:
    """A DataFrame as a rich table (headers are column names; values formatted briefly)."""
    from cxm.cli.output import print_table

    cols = columns or list(frame.columns)
    rows = [[_cell(v) for v in row] for row in frame[cols].itertuples(index=False)]
    print_table(title, cols, rows)


def _records(frame: Any) -> list[dict[str, Any]]:
    return list(frame.to_dict("records"))
