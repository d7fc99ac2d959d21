"""``cxm loyalty …``: loyalty as behaviour — repurchase, cross-buying, referrals, share of
wallet, the satisfaction–loyalty curve and the silent defectors."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cxm.cli.management_options import AsOfOpt, JsonOpt, KOpt, RuleOpt, ThresholdOpt, render
from cxm.i18n import _

__all__ = ["register"]

ItemOpt = Annotated[str, typer.Option("--item", help="Satisfaction question code.")]


def _records(frame: Any) -> list[dict[str, Any]]:
    return list(frame.to_dict("records"))


def behaviour(
    segments: Annotated[
        str | None, typer.Option("--segments", help="Segment definition to split by.")
    ] = None,
    window_days: Annotated[int, typer.Option("--window-days")] = 365,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Repurchase, cross-buying, referrals and share of wallet per segment."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.loyalty_behaviour import behaviour_by_segment

    with open_store() as store, store.session() as s:
        found = behaviour_by_segment(s, name=segments, window_days=window_days, as_of=as_of)
    if as_json:
        print_json(
            {
                "as_of": found.as_of,
                "window_days": window_days,
                "quality": found.quality,
                "segments": _records(found.table),
            }
        )
        return
    render(
        _("Loyalty as behaviour, {d} days to {day}", d=window_days, day=found.as_of),
        found.table,
    )
    for flag in found.quality:
        console.print(_("Too weak: {message}", message=flag["message"]), markup=False)


def curve(
    item: ItemOpt = "CUSA1",
    window_days: Annotated[int, typer.Option("--window-days")] = 180,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Repurchase and spend after the answer by satisfaction level; top box vs satisfied."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.loyalty_behaviour import loyalty_curve

    with open_store() as store, store.session() as s:
        table, contrast = loyalty_curve(s, item=item, window_days=window_days, as_of=as_of)
    if as_json:
        print_json({"contrast": contrast, "curve": _records(table)})
        return
    render(_("Repurchase within {d} days by satisfaction", d=window_days), table)
    if contrast.get("status") == "no data":
        return
    console.print(
        _(
            "Very satisfied ({top:g}): {a:.0%} came back; satisfied ({sat:g}): {b:.0%}; "
            "difference {d:+.0%} (95 % CI {lo:+.0%} to {hi:+.0%}, p = {p:.3f}).",
            top=contrast["top_box"],
            sat=contrast["satisfied"],
            a=contrast["rate_top"],
            b=contrast["rate_satisfied"],
            d=contrast["difference"],
            lo=contrast["ci_low"],
            hi=contrast["ci_high"],
            p=contrast["p_value"],
        )
    )


def silent(
    item: ItemOpt = "CUSA1",
    window_days: Annotated[int, typer.Option("--window-days")] = 180,
    drop: Annotated[
        float, typer.Option("--drop", help="Spend fall that counts (0.5 = 50 %).")
    ] = 0.5,
    satisfied_from: Annotated[float, typer.Option("--satisfied-from")] = 4,
    top: Annotated[int, typer.Option("--top")] = 20,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Satisfied answers, then spend falling or buying stopping: the silent defectors."""
    from cxm.cli.context import open_store
    from cxm.cli.management_options import churn_rule
    from cxm.cli.output import console, print_json
    from cxm.management.loyalty_behaviour import silent_defector_list

    with open_store() as store, store.session() as s:
        found = silent_defector_list(
            s,
            item=item,
            window_days=window_days,
            drop=drop,
            satisfied_from=satisfied_from,
            as_of=as_of,
            rule=churn_rule(rule, k, p_alive_below),
        )
    if as_json:
        print_json(
            {
                "as_of": found.as_of,
                "satisfied": found.satisfied,
                "found": found.found,
                "rate": found.rate,
                "ci_low": found.ci_low,
                "ci_high": found.ci_high,
                "drop": found.drop,
                "customers": _records(found.table.head(top)),
            }
        )
        return
    console.print(
        _(
            "{found} of {n} satisfied customers then spent over {drop:.0%} less or stopped "
            "buying: {rate:.1%} (95 % CI {lo:.1%}–{hi:.1%}).",
            found=found.found,
            n=found.satisfied,
            drop=drop,
            rate=found.rate,
            lo=found.ci_low,
            hi=found.ci_high,
        )
    )
    render(_("Silent defectors"), found.table.head(top))


def register(app: typer.Typer) -> None:
    grp = typer.Typer(help=_("Loyalty as behaviour."), no_args_is_help=True)
    grp.command("behaviour")(behaviour)
    grp.command("curve")(curve)
    grp.command("silent")(silent)
    app.add_typer(grp, name="loyalty")
    app.command("rising")(rising)
    app.command("competitors")(competitors)
    app.command("next-sale")(next_sale_command)


def rising(
    segments: Annotated[str, typer.Option("--segments", help="Segment definition.")],
    top_segment: Annotated[
        str, typer.Option("--top-segment", help="The top value tier, e.g. key.")
    ],
    months: Annotated[int, typer.Option("--months")] = 12,
    top: Annotated[int, typer.Option("--top")] = 50,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Customers outside the top tier whose predicted value or growth looks like it."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.management.rising import rising_customers

    with open_store() as store, store.session() as s:
        found = rising_customers(
            s, segments, top_segment=top_segment, months=months, top=top, as_of=as_of
        )
    table = found.table
    if as_json:
        print_json(
            {
                "as_of": found.as_of,
                "top_segment": found.top_segment,
                "value_threshold": found.value_threshold,
                "profit_threshold": found.profit_threshold,
                "candidates": found.candidates,
                "customers": _records(table),
            }
        )
        return
    console.print(
        _(
            "Bar (lower quartile of {segment}): predicted value {v:,.0f}, profit in the last "
            "half-year {p:,.0f}; {n} of {m} customers reach it.",
            segment=top_segment,
            v=found.value_threshold,
            p=found.profit_threshold,
            n=len(table),
            m=found.candidates,
        )
    )
    render(_("Rising customers"), table)


def competitors(
    item: ItemOpt = "CUSA1",
    min_n: Annotated[int, typer.Option("--min-n")] = 30,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Satisfaction, churn and share of wallet of the customers of each competitor."""
    from cxm.cli.context import open_store
    from cxm.cli.management_options import churn_rule
    from cxm.cli.output import print_json
    from cxm.management.competitors import by_competitor

    with open_store() as store, store.session() as s:
        found = by_competitor(
            s, item=item, min_n=min_n, as_of=as_of, rule=churn_rule(rule, k, p_alive_below)
        )
    if as_json:
        print_json({"as_of": found.as_of, "competitors": _records(found.table)})
        return
    render(_("Customers by competitor they also use or left for"), found.table)


def next_sale_command(
    days: Annotated[int, typer.Option("--days", help="Days after the contact.")] = 90,
    min_n: Annotated[int, typer.Option("--min-n")] = 30,
    as_of: AsOfOpt = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="rating (CSAT band of a rated contact) or case (how a complaint ended, "
            "beside customers who never complained).",
        ),
    ] = "rating",
    as_json: JsonOpt = False,
) -> None:
    """Purchases, new categories and referrals after a rated contact or a complaint, by how
    it went."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.management.next_sale import next_sale

    with open_store() as store, store.session() as s:
        table = next_sale(s, days=days, as_of=as_of, min_n=min_n, by=by)
    if as_json:
        key = "bands" if by == "rating" else "outcomes"
        print_json({"days": days, "by": by, key: _records(table)})
        return
    if by == "case":
        render(_("The next sale after a complaint, by how it ended ({d} days)", d=days), table)
        return
    render(_("The next sale after a service contact, by its rating ({d} days)", d=days), table)
