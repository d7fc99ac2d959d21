"""``cxm demo``: build the demo company in the store and print what it holds."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.demo import DemoSummary
    from cxm.store import Store

__all__ = ["register"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _money(x: float) -> str:
    return f"¥{x:,.0f}"


def _print_human(summary: DemoSummary, seconds: float) -> None:
    from cxm.cli.output import console, print_table
    from cxm.customers.codes import churn_reason_label

    s = summary
    rows = [
        (_("Customers"), f"{s.customers:,}"),
        (_("Teams / employees"), f"{s.teams_count} / {s.employees}"),
        (_("Purchases"), f"{s.purchases:,}"),
        (_("Touchpoints"), f"{s.touchpoints:,}"),
        (_("Revenue"), _money(s.revenue)),
        (_("Profit"), _money(s.profit)),
        (_("Profit share of the top 20 % of customers"), _pct(s.top20_profit_share)),
        (_("Unprofitable customers"), f"{s.unprofitable_customers:,}"),
        (_("Churned customers"), f"{s.churned:,} ({_pct(s.churned_share)})"),
    ]
    print_table(_("Demo company (seed {seed})", seed=s.seed), [_("Figure"), _("Value")], rows)
    print_table(
        _("Why customers left"),
        [_("Reason"), _("Customers"), _("Share"), _("Documents' benchmark")],
        [
            (churn_reason_label(code), f"{r['count']:,}", _pct(r["share"]), _pct(r["benchmark"]))
            for code, r in s.churn_reasons.items()
        ],
    )
    print_table(
        _("Churn by team (the team that served most of a customer's contacts)"),
        [_("Team"), _("Customers"), _("Churned"), _("Churn rate"), _("Complaints per customer")],
        [
            (
                t["team"],
                f"{t['customers']:,}",
                f"{t['churned']:,}",
                _pct(t["churn_rate"]),
                f"{t['complaints_per_customer']:.2f}",
            )
            for t in s.teams
        ],
    )
    for name, result in s.steps.items():
        if name == "report" and isinstance(result, dict) and "path" in result:
            console.print(_("The demo company's report: {path}", path=result["path"]))
        elif name == "segments" and isinstance(result, dict):
            _print_segments(result)
        elif isinstance(result, dict):
            console.print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in result.items()))
    console.print(_("Built in {seconds:.1f} s.", seconds=seconds))
    console.print(
        _(
            "Next: `cxm targets report value` (targets against actuals), `cxm churn report`, "
            "`cxm invest --segments value`, `cxm users create NAME --role admin` then `cxm serve`."
        )
    )


def _print_segments(result: dict[str, Any]) -> None:
    from cxm.cli.output import print_table

    print_table(
        _("Value segments (Pareto on profit)"),
        [_("Segment"), _("Customers"), _("Share of customers"), _("Share of profit")],
        [
            (
                t["segment"],
                f"{t['customers']:,}",
                _pct(t["share_customers"]),
                _pct(t["share_profit"]),
            )
            for t in result.get("value", [])
        ],
    )
    if result.get("targets"):
        print_table(
            _("Targets per value segment (proposed from profit net of cost to serve)"),
            [_("Segment"), _("KPI"), _("Target"), _("Service level")],
            [
                (t["segment"], t["kpi"], f"{t['target']:g}", t["service_level"])
                for t in result["targets"]
            ],
        )


def demo(
    customers: Annotated[
        int, typer.Option("--customers", help="How many customers the company has.")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same company.")] = (
        2024
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Delete ALL data in the database first, then build."),
    ] = False,
) -> None:
    """Build a realistic demo company (customers, purchases, touchpoints, teams) and
    summarise it."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.demo.run import check_request

    started = time.perf_counter()
    with open_store() as store:
        check_request(store, customers=customers, seed=seed, replace=replace)
        summary = _run_with_progress(store, customers, seed, replace, transient=as_json)
    seconds = time.perf_counter() - started
    if as_json:
        data: dict[str, Any] = summary.to_dict()
        data["seconds"] = round(seconds, 2)
        print_json(data)
        return
    _print_human(summary, seconds)


def _run_with_progress(
    store: Store, customers: int, seed: int, replace: bool, *, transient: bool
) -> DemoSummary:
    from cxm.cli.output import progress_bar
    from cxm.demo import run_demo

    with progress_bar(transient=transient) as bar:
        task = bar.add_task(_("Preparing"), total=100)

        def progress(label: str, done: float) -> None:
            bar.update(task, description=label, completed=round(100 * done, 1))

        return run_demo(store, customers=customers, seed=seed, replace=replace, progress=progress)


def register(app: typer.Typer) -> None:
    app.command("demo", help=_("Build a realistic demo company in the database."))(demo)
