"""``cxm service-levels set|list``: service levels per segment."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def set_(
    name: Annotated[str, typer.Argument(help="Name of the service level.")],
    definition: Annotated[
        str | None, typer.Option("--definition", help="Segment definition (with --segment).")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", help="The segment this level serves.")
    ] = None,
    key_account: Annotated[
        bool | None,
        typer.Option("--key-account/--not-key-account", help="Key accounts' default clocks."),
    ] = None,
    cost: Annotated[
        float | None, typer.Option("--cost", help="Cost to serve per customer and year.")
    ] = None,
    clock: Annotated[
        list[str],
        typer.Option(
            "--clock",
            help="TYPE=FIRST/RESOLUTION or TYPE=FIRST/RESOLUTION/business, hours (repeatable).",
        ),
    ] = [],  # noqa: B006
    standards: Annotated[
        str | None, typer.Option("--standards", help="Service-standard thresholds (JSON).")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create or change a service level: clocks, cost to serve, standards."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.service_levels.service import list_service_levels, parse_clock, set_service_level

    clocks = [parse_clock(c) for c in clock]
    parsed = None
    if standards is not None:
        try:
            parsed = json.loads(standards)
        except json.JSONDecodeError as exc:
            raise InputError(_("--standards is not JSON: {reason}", reason=str(exc))) from None
    with open_store() as store, store.session() as s:
        level = set_service_level(
            s,
            name=name,
            definition=definition,
            segment=segment,
            key_account=key_account,
            cost_to_serve=cost,
            clocks=clocks,
            standards=parsed,
            description=description,
        )
        shown = next(lv for lv in list_service_levels(s) if lv["id"] == level.id)
    if as_json:
        print_json(shown)
    else:
        console.print(_("Service level {name} saved.", name=name))


def list_(as_json: JsonOpt = False) -> None:
    """Every service level with its segment, cost to serve and clocks."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.service_levels.service import list_service_levels

    with open_store() as store, store.session() as s:
        levels = list_service_levels(s)
    if as_json:
        print_json(levels)
        return
    rows = [
        [
            lv["name"],
            f"{lv['definition']}/{lv['segment']}" if lv["segment"] else "—",
            f"{lv['cost_to_serve']:,.2f}",
            "; ".join(
                f"{c['case_type']} {c['first_response_hours']:g}/{c['resolution_hours']:g} h"
                + (" " + _("business") if c["business_hours"] else "")
                for c in lv["clocks"]
            ),
        ]
        for lv in levels
    ]
    cols = [_("Name"), _("Segment"), _("Cost to serve"), _("Clocks (first/resolution)")]
    print_table(_("Service levels"), cols, rows)


def register(app: typer.Typer) -> None:
    sl = typer.Typer(help=_("Service levels per segment."), no_args_is_help=True)
    sl.command("set")(set_)
    sl.command("list")(list_)
    app.add_typer(sl, name="service-levels")
