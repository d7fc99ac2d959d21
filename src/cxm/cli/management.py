"""``cxm segments …``: differentiated management from the command line.

Targets live in :mod:`cxm.cli.management_targets`; churn, CLV, the retention simulator and
invest in :mod:`cxm.cli.management_economics`; :func:`register` adds all three.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.cli.management_options import (
    AsOfOpt,
    JsonOpt,
    KOpt,
    NameArg,
    RuleOpt,
    ThresholdOpt,
    _records,
    churn_rule,
    render,
)
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["AsOfOpt", "KOpt", "RuleOpt", "ThresholdOpt", "churn_rule", "register", "render"]


def _parse_params(params: list[str], rules: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rules is not None:
        import yaml

        try:
            loaded = yaml.safe_load(rules.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(
                _("Cannot read the rules file {path}: {reason}", path=rules, reason=exc)
            ) from None
        if not isinstance(loaded, dict):
            raise InputError(_("The rules file {path} must hold a mapping.", path=rules))
        out.update(loaded)
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(_("Parameters are KEY=VALUE, not {item}.", item=item))
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def define(
    name: NameArg,
    kind: Annotated[str, typer.Option("--kind", help="pareto, rfm or rule.")] = "pareto",
    cuts: Annotated[
        str | None, typer.Option("--cuts", help="Pareto cut points, e.g. 0.2 or 0.05,0.2.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", help="Tier names, e.g. key,other.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Profit period start (YYYY-MM-DD).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Profit period end, exclusive.")] = None,
    months: Annotated[
        int | None, typer.Option("--months", help="Profit over the last N months.")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="YAML/JSON file with segments and default.")
    ] = None,
    param: Annotated[list[str], typer.Option("--param", help="Extra parameter KEY=JSON.")] = [],  # noqa: B006
    overlapping: Annotated[
        bool, typer.Option("--overlapping", help="Rule segments may overlap.")
    ] = False,
    description: Annotated[str | None, typer.Option("--description")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Redefine an existing name.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Save a segment definition (Pareto value tiers, RFM cells or rules on attributes)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.cli.values import iso_date, number_list, text_list
    from cxm.management.definitions import define_segments

    params = _parse_params(param, rules)
    if cuts:
        params["cuts"] = number_list("--cuts", cuts)
    if labels:
        params["labels"] = text_list("--labels", labels)
    for option, day in (("--start", start), ("--end", end)):
        if day is not None:
            iso_date(option, day)
    for key, value in (("start", start), ("end", end), ("months", months)):
        if value is not None:
            params[key] = value
    with open_store() as store, store.session() as s:
        d = define_segments(
            s,
            name=name,
            kind=kind,
            parameters=params,
            exclusive=not overlapping,
            description=description,
            replace=replace,
        )
        out = {
            "name": d.name,
            "kind": d.kind.value,
            "parameters": d.parameters,
            "exclusive": d.exclusive,
        }
    if as_json:
        print_json(out)
    else:
        console.print(
            _("Saved segment definition {name} ({kind}).", name=out["name"], kind=out["kind"])
        )


def list_(as_json: JsonOpt = False) -> None:
    """List saved segment definitions."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.management.definitions import list_definitions

    with open_store() as store, store.session() as s:
        rows = [
            {
                "name": d.name,
                "kind": d.kind.value,
                "parameters": d.parameters,
                "exclusive": d.exclusive,
                "computed_at": d.computed_at,
            }
            for d in list_definitions(s)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Segment definitions"),
        [_("Name"), _("Kind"), _("Parameters"), _("Computed at")],
        [
            (
                r["name"],
                r["kind"],
                json.dumps(r["parameters"], ensure_ascii=False),
                r["computed_at"],
            )
            for r in rows
        ],
    )


def recompute(name: NameArg, as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Assign every customer afresh; memberships that changed are closed and reopened."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, progress_bar
    from cxm.management.segments import recompute as run

    with open_store() as store, progress_bar(transient=True) as bar:
        task = bar.add_task(_("Recomputing segments"), total=1)
        with store.session() as s:
            r = run(s, name, as_of=as_of)
        bar.update(task, completed=1)
    if as_json:
        print_json(
            {
                "definition": r.definition,
                "computed_at": r.computed_at,
                "customers": r.customers,
                "started": r.started,
                "ended": r.ended,
                "segments": _records(r.summary),
            }
        )
        return
    render(_("Segments of {name}", name=name), r.summary)
    console.print(
        _(
            "{n} customers; {started} memberships started, {ended} ended.",
            n=r.customers,
            started=r.started,
            ended=r.ended,
        )
    )


def show(
    name: NameArg,
    at: Annotated[
        str | None, typer.Option("--at", help="Membership as it was at this date/time.")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Customers and profit per segment (now, or as the memberships were at --at)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.cli.values import iso_moment
    from cxm.management.segments import summary

    if at is not None:
        iso_moment("--at", at)
    with open_store() as store, store.session() as s:
        table = summary(s, name, at=at, as_of=as_of)
    if as_json:
        print_json({"definition": name, "at": at, "as_of": as_of, "segments": _records(table)})
    else:
        render(_("Segments of {name}", name=name), table)


def register(app: typer.Typer) -> None:
    from cxm.cli import management_economics, management_targets

    seg = typer.Typer(help=_("Customer segments: value tiers, RFM, rules."), no_args_is_help=True)
    seg.command("define")(define)
    seg.command("list")(list_)
    seg.command("recompute")(recompute)
    seg.command("show")(show)
    app.add_typer(seg, name="segments")
    management_targets.register(app)
    management_economics.register(app)
