"""``cxm lost sample|why`` and ``cxm prospects import|invite``: exit surveys of lost
customers, with the measured reasons beside the documents' benchmark, and prospect waves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxm.cli.management_options import AsOfOpt, JsonOpt, KOpt, RuleOpt, ThresholdOpt, render
from cxm.i18n import _

__all__ = ["register"]

WaveArg = Annotated[int, typer.Argument(help="Wave id (a wave of the exit or prospect template).")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed of the sample.")]


def sample(
    wave: WaveArg,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    since_days: Annotated[
        int | None, typer.Option("--since-days", help="Only customers lost in these last days.")
    ] = None,
    quota: Annotated[int | None, typer.Option("--quota", help="How many to invite.")] = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Invite customers lost as of a date (under the churn rule) to an exit-survey wave."""
    from cxm.cli.context import open_store
    from cxm.cli.management_options import churn_rule
    from cxm.cli.output import console, print_json
    from cxm.management.lost import sample_lost

    with open_store() as store, store.session() as s:
        result = sample_lost(
            s,
            wave_id=wave,
            as_of=as_of,
            rule=churn_rule(rule, k, p_alive_below),
            since_days=since_days,
            quota=quota,
            seed=seed,
        )
    if as_json:
        print_json(
            {"wave_id": wave, "invited": result.total, "skipped_quiet": result.skipped_quiet}
        )
        return
    console.print(
        _(
            "Invited {n} lost customers ({q} skipped: surveyed recently).",
            n=result.total,
            q=result.skipped_quiet,
        )
    )


def why(
    wave: Annotated[int | None, typer.Option("--wave", help="Only this exit wave.")] = None,
    as_of: AsOfOpt = None,
    rule: RuleOpt = "auto",
    k: KOpt = 3.0,
    p_alive_below: ThresholdOpt = 0.5,
    min_n: Annotated[int, typer.Option("--min-n")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Why they left, measured from exit answers, beside the documents' benchmark; and lost
    customers' earlier satisfaction against that of customers who stayed."""
    from cxm.cli.context import open_store
    from cxm.cli.management_options import churn_rule
    from cxm.cli.output import console, print_json
    from cxm.management.exit_reasons import why_they_left

    with open_store() as store, store.session() as s:
        report = why_they_left(
            s, wave_id=wave, as_of=as_of, rule=churn_rule(rule, k, p_alive_below), min_n=min_n
        )
    if as_json:
        print_json(
            {
                "summary": report.summary,
                "reasons": report.reasons.to_dict("records"),
                "competitors": report.competitors.to_dict("records"),
                "before": report.before.to_dict("records"),
                "before_difference": report.before_difference,
                "before_difference_ci": report.before_difference_ci,
            }
        )
        return
    summary: dict[str, Any] = report.summary
    render(_("Why they left: exit answers beside the documents' benchmark"), report.reasons)
    if summary["status"] != "ok":
        console.print(_("Too few exit answers ({n}) to act on.", n=summary["answers"]))
    if len(report.competitors):
        render(_("Where they buy now"), report.competitors)
    if len(report.before):
        render(_("Before they left: satisfied (4–5) among lost and stayed"), report.before)
        diff = report.before_difference
        ci = report.before_difference_ci
        if diff is not None and diff == diff and ci is not None:
            low, high = ci
            console.print(
                _(
                    "Lost minus stayed: {diff} points (95 % interval {low} to {high}).",
                    diff=f"{100 * diff:.1f}",
                    low=f"{100 * low:.1f}",
                    high=f"{100 * high:.1f}",
                )
            )


def import_(
    file: Annotated[Path, typer.Argument(help="Prospect list (CSV or Excel).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add or update prospects from a list (external_id, name, email, phone, region,
    competitor, source)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.surveys.populations import import_prospects

    with open_store() as store, store.session() as s:
        n = import_prospects(s, path=file, dry_run=dry_run)
    if as_json:
        print_json({"rows": n, "dry_run": dry_run})
        return
    console.print(
        _("{n} prospects checked; nothing saved.", n=n)
        if dry_run
        else _("{n} prospects imported.", n=n)
    )


def invite(
    wave: WaveArg,
    n: Annotated[int | None, typer.Option("--n", help="How many to invite (default all).")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Invite prospects to a wave (of the prospect template)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.surveys.populations import sample_prospects

    with open_store() as store, store.session() as s:
        ids = sample_prospects(s, wave_id=wave, n=n, region=region, seed=seed)
    if as_json:
        print_json({"wave_id": wave, "invited": len(ids)})
        return
    console.print(_("Invited {n} prospects.", n=len(ids)))


def register(app: typer.Typer) -> None:
    lost = typer.Typer(
        help=_("Lost customers: exit surveys and why they left."), no_args_is_help=True
    )
    lost.command("sample")(sample)
    lost.command("why")(why)
    app.add_typer(lost, name="lost")
    pros = typer.Typer(
        help=_("Prospects: people who do not buy from us yet."), no_args_is_help=True
    )
    pros.command("import")(import_)
    pros.command("invite")(invite)
    app.add_typer(pros, name="prospects")
