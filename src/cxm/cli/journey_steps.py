"""``cxm journey steps load|show|analyse``: the process steps of each stage and the
flow-chart questions answered from the data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["steps_app"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def load(
    file: Annotated[Path, typer.Argument(help="Steps YAML file (see docs/journey-steps.md).")],
    as_json: JsonOpt = False,
) -> None:
    """Replace the process map with the steps of FILE (all checked first; nothing is saved
    when one is wrong)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.standards.steps import load_steps

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("Cannot read {path}: {reason}", path=str(file), reason=str(exc))
        ) from None
    with open_store() as store, store.session() as s:
        n = load_steps(s, text)
    if as_json:
        print_json({"steps": n})
        return
    console.print(_("Loaded {n} process steps.", n=n))


def show(as_json: JsonOpt = False) -> None:
    """The process steps in journey order with their owners and flow-chart answers."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.standards.steps import list_steps

    with open_store() as store, store.session() as s:
        steps = list_steps(s)
    if as_json:
        print_json({"steps": steps.to_dict("records")})
        return
    print_table(
        _("Process steps"),
        ["#", _("Stage"), _("Step"), _("Owner"), _("Team"), _("Touchpoint type"), _("Standards")],
        [
            [r["order"], r["stage"], r["code"], r["owner"], r["team"] or "",
             r["touchpoint_type"] or "", ", ".join(r["standards"])]
            for r in steps.to_dict("records")
        ],
    )  # fmt: skip


def _hours(v: Any) -> str:
    return "" if v is None or v != v else f"{float(v):.1f}"


def _share(v: Any) -> str:
    return "" if v is None or v != v else f"{float(v):.0%}"


def analyse(as_json: JsonOpt = False) -> None:
    """Answer the flow-chart questions from the data: hand-offs, blocking rules, waiting,
    repeats and defects per step, ranked by value-weighted defects (fix the first first)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, print_table
    from cxm.standards.flow import analyse_steps

    with open_store() as store, store.session() as s:
        flow = analyse_steps(s)
    if as_json:
        print_json(
            {"steps": flow.steps.to_dict("records"), "stages": flow.stages.to_dict("records")}
        )
        return
    print_table(
        _("Process steps: what the data say"),
        [_("rank"), _("Stage"), _("Step"), _("Owner"), _("hand-off in"), _("median wait h"),
         _("repeats"), "DPMO"],
        [
            [r["rank"], r["stage"], r["code"], r["owner"], _("yes") if r["handoff_in"] else "",
             _hours(r["wait_median_hours"]), _share(r["repeat_share"]),
             "" if r["dpmo"] != r["dpmo"] else f"{r['dpmo']:,.0f}"]
            for r in flow.steps.to_dict("records")
        ],
    )  # fmt: skip
    if len(flow.stages):
        print_table(
            _("Case hand-offs per stage"),
            [_("Stage"), _("cases"), _("handed over"), _("to another department"),
             _("blocked by rules"), _("median h handed over"), _("median h direct")],
            [
                [r["stage"], r["cases"], _share(r["handed_over_share"]), r["cross_department"],
                 r["blocked_by_rules"], _hours(r["median_hours_handed"]),
                 _hours(r["median_hours_direct"])]
                for r in flow.stages.to_dict("records")
            ],
        )  # fmt: skip
    for r in flow.steps.sort_values("rank").to_dict("records"):
        if r["findings"]:
            console.print(f"{r['rank']}. {r['code']} ({r['owner']}): " + "; ".join(r["findings"]))


def steps_app() -> typer.Typer:
    app = typer.Typer(
        help=_("Process steps per stage and the flow-chart questions."), no_args_is_help=True
    )
    app.command("load")(load)
    app.command("show")(show)
    app.command("analyse")(analyse)
    return app
