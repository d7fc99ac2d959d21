"""``cxm targets propose|set|report``: per-segment KPI targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.management_options import AsOfOpt, JsonOpt, NameArg, _records, render
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]


def _costs(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        seg, sep, value = item.rpartition("=")
        try:
            out[seg] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise InputError(_("Costs are SEGMENT=NUMBER, not {item}.", item=item))
    return out


def propose(
    name: NameArg,
    kpi: Annotated[
        str, typer.Option("--kpi", help="csat, score100, index, nps, churn_rate.")
    ] = "csat",
    cost_per_contact: Annotated[float, typer.Option("--cost-per-contact")] = 0.0,
    cost: Annotated[list[str], typer.Option("--cost", help="Cost to serve SEGMENT=VALUE.")] = [],  # noqa: B006
    headroom: Annotated[float | None, typer.Option("--headroom")] = None,
    item: Annotated[
        list[str], typer.Option("--item", help="Survey question(s) instead of the default.")
    ] = [],  # noqa: B006
    save: Annotated[
        bool, typer.Option("--save", help="Save the proposals as the targets.")
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Who sets the targets (with --save).")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help="headroom (default) or argued (--curve FILE, or a curve fitted from the "
            "segments' measured cost to serve and score).",
        ),
    ] = "headroom",
    curve: Annotated[
        Path | None, typer.Option("--curve", help="Cost curve per segment (CSV/XLSX).")
    ] = None,
) -> None:
    """Propose a KPI target per segment from its profit and cost to serve."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.management.targets import propose as run
    from cxm.management.targets import set_target

    if rule not in ("headroom", "argued"):
        raise InputError(_("--rule must be headroom or argued (got {value}).", value=rule))
    if rule == "argued":
        from cxm.cli.standards import propose_argued_targets

        propose_argued_targets(
            name, kpi, curve, item=item[0] if item else None, save=save, by=by, as_json=as_json
        )
        return
    with open_store() as store, store.session() as s:
        proposal = run(
            s,
            name,
            kpi,
            cost_per_contact=cost_per_contact,
            cost_to_serve=_costs(cost),
            headroom=headroom,
            items=item or None,
            as_of=as_of,
        )
        table = proposal.table
        if save:
            for row in table.to_dict("records"):
                set_target(
                    s,
                    name,
                    segment=str(row["segment"]),
                    kpi=kpi,
                    value=float(row["target"]),
                    service_level=str(row["service_level"]),
                    set_by=by,
                    proposed=float(row["target"]),
                    proposal_rule="headroom",
                )
    if as_json:
        print_json(
            {
                "definition": name,
                "kpi": kpi,
                "current": proposal.current,
                "saved": save,
                "proposals": _records(table),
            }
        )
    else:
        render(
            _(
                "Proposed {kpi} targets (today overall: {current:.3f})",
                kpi=kpi,
                current=proposal.current,
            ),
            table,
        )


def set_(
    name: NameArg,
    segment: Annotated[str, typer.Argument(help="Segment name.")],
    value: Annotated[float, typer.Option("--value", help="The target, on the KPI's scale.")],
    kpi: Annotated[str, typer.Option("--kpi")] = "csat",
    wave: Annotated[int | None, typer.Option("--wave", help="Only for this wave id.")] = None,
    period: Annotated[str | None, typer.Option("--period")] = None,
    service_level: Annotated[str | None, typer.Option("--service-level")] = None,
    by: Annotated[str | None, typer.Option("--by")] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why the target differs from the proposed one (then required)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the target of one segment and KPI."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.targets import set_target

    with open_store() as store, store.session() as s:
        t = set_target(
            s,
            name,
            segment=segment,
            kpi=kpi,
            value=value,
            wave_id=wave,
            period=period,
            service_level=service_level,
            set_by=by,
            reason=reason,
        )
        out = {
            "definition": name,
            "segment": t.segment,
            "kpi": t.kpi,
            "value": t.value,
            "wave_id": t.wave_id,
            "period": t.period,
            "service_level": service_level,
            "set_by": t.set_by,
            "proposed": t.proposed_value,
            "override_reason": t.override_reason,
        }
    if as_json:
        print_json(out)
    else:
        console.print(
            _("Target for {segment}: {kpi} = {value}.", segment=segment, kpi=kpi, value=t.value)
        )


def report(
    name: NameArg,
    kpi: Annotated[
        list[str], typer.Option("--kpi", help="KPIs to report (default: those with targets).")
    ] = [],  # noqa: B006
    wave: Annotated[list[int], typer.Option("--wave", help="Wave ids (default: all).")] = [],  # noqa: B006
    item: Annotated[
        list[str], typer.Option("--item", help="Survey question(s) instead of the default.")
    ] = [],  # noqa: B006
    min_n: Annotated[int | None, typer.Option("--min-n", min=1, help="Default CXM_MIN_N.")] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Actual against target per segment and wave, with intervals, status and trend."""
    from cxm.cli.context import open_store, settings

    min_n = min_n or settings().min_n
    from cxm.cli.output import print_json
    from cxm.management.targets import report as run

    with open_store() as store, store.session() as s:
        table = run(
            s,
            name,
            kpis=kpi or None,
            wave_ids=wave or None,
            items=item or None,
            min_n=min_n,
            as_of=as_of,
        )
    if as_json:
        print_json({"definition": name, "rows": _records(table)})
        return
    cols = [
        "segment",
        "kpi",
        "wave",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "target",
        "status",
        "change",
        "proposed",
        "override_reason",
    ]
    render(_("Targets of {name}: actual against target", name=name), table, cols)


def register(app: typer.Typer) -> None:
    tgt = typer.Typer(help=_("Per-segment KPI targets."), no_args_is_help=True)
    tgt.command("propose")(propose)
    tgt.command("set")(set_)
    tgt.command("report")(report)
    app.add_typer(tgt, name="targets")
