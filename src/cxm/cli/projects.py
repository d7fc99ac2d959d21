"""``cxm projects …``: improvement projects, their measured effect, the league, recognition."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _window(value: str, option: str) -> tuple[date, date]:
    try:
        start, end = (date.fromisoformat(v.strip()) for v in value.split(".."))
    except ValueError:
        raise InputError(
            _("{option} must be two dates like 2026-01-01..2026-01-31 (got {value}).",
              option=option, value=value)
        ) from None  # fmt: skip
    return start, end


def _effect_lines(effect: Any) -> str:
    return _(
        "baseline {baseline}, after {after}, change {diff} (95% CI {low} to {high}), "
        "{test} p = {p}.",
        baseline=f"{effect.baseline:.4g}",
        after=f"{effect.after:.4g}",
        diff=f"{effect.difference:+.4g}",
        low=f"{effect.ci_low:.4g}",
        high=f"{effect.ci_high:.4g}",
        test=effect.test,
        p=f"{effect.p_value:.3g}",
    )


def create(
    name: Annotated[str, typer.Argument(help="Project name.")],
    team: Annotated[str, typer.Option("--team", help="The improvement team.")],
    baseline: Annotated[str, typer.Option("--baseline", help="START..END of the baseline.")],
    after: Annotated[str, typer.Option("--after", help="START..END of the after period.")],
    standard: Annotated[
        str | None, typer.Option("--standard", help="The standard the problem is about.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Or the journey stage it is about.")
    ] = None,
    metric: Annotated[str, typer.Option("--metric", help="defect_rate or field_mean.")] = (
        "defect_rate"
    ),
    field: Annotated[
        str | None, typer.Option("--field", help="Touchpoint field for field_mean.")
    ] = None,
    test: Annotated[
        str | None, typer.Option("--test", help="two_proportion, poisson or welch.")
    ] = None,
    higher_is_better: Annotated[
        bool, typer.Option("--higher-is-better", help="The metric should rise.")
    ] = False,
    cost: Annotated[float | None, typer.Option("--cost", help="What the project costs.")] = None,
) -> None:
    """Start a project (phase Define) on a standard or a stage."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.standards.projects import ProjectSpec, create_project

    if (standard is None) == (stage is None):
        raise InputError(_("Give either --standard or --stage."))
    b0, b1 = _window(baseline, "--baseline")
    a0, a1 = _window(after, "--after")
    spec = ProjectSpec(
        name=name,
        team=team,
        problem_kind="standard" if standard else "stage",
        problem_ref=standard or stage or "",
        metric=metric,
        test=test or ("welch" if metric == "field_mean" else "two_proportion"),
        baseline_start=b0,
        baseline_end=b1,
        after_start=a0,
        after_end=a1,
        field=field,
        lower_is_better=not higher_is_better,
        cost=cost,
    )
    with open_store() as store, store.session() as s:
        create_project(s, spec)
    console.print(_("Project {name} created (phase define).", name=name))


def phase(
    name: Annotated[str, typer.Argument(help="Project name.")],
    to: Annotated[str, typer.Argument(help="define, measure, analyze, improve or control.")],
) -> None:
    """Move a project to another DMAIC phase (Measure freezes metric, test and windows)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.standards.projects import set_phase

    with open_store() as store, store.session() as s:
        set_phase(s, name, to)
    console.print(_("Project {name} is now in phase {phase}.", name=name, phase=to))


def change(
    name: Annotated[str, typer.Argument(help="Project name.")],
    setting: Annotated[str, typer.Argument(help="e.g. after_end, test, team, cost.")],
    value: Annotated[str, typer.Argument(help="The new value.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required once frozen).")
    ] = None,
) -> None:
    """Change one setting; after Measure the reason is recorded."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.standards.projects import change_project

    with open_store() as store, store.session() as s:
        change_project(s, name, setting, value, reason=reason, by=None)
    console.print(_("Project {name}: {setting} set to {value}.", name=name, setting=setting,
                    value=value))  # fmt: skip


def measure(
    name: Annotated[str, typer.Argument(help="Project name.")], as_json: JsonOpt = False
) -> None:
    """Measure baseline, after period and effect from the data."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.standards.projects import measure_project

    with open_store() as store, store.session() as s:
        effect = measure_project(s, name)
    if as_json:
        print_json(effect.to_dict())
        return
    console.print(_effect_lines(effect))


def close(
    name: Annotated[str, typer.Argument(help="Project name.")], as_json: JsonOpt = False
) -> None:
    """Close as improved (refused unless the effect is a significant improvement)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.standards.projects import close_project

    with open_store() as store, store.session() as s:
        effect = close_project(s, name)
    if as_json:
        print_json(effect.to_dict())
        return
    console.print(_("Project {name} closed as improved: ", name=name) + _effect_lines(effect))


def list_(as_json: JsonOpt = False) -> None:
    """Projects with phase, status and last measured effect."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.standards.projects import list_projects

    with open_store() as store, store.session() as s:
        frame = list_projects(s)
    if as_json:
        print_json({"projects": frame.to_dict(orient="records")})
        return
    print_table(
        _("Improvement projects"),
        [_("project"), _("team"), _("problem"), _("phase"), _("status"), _("change"), "p"],
        [
            [r["name"], r["team"], r["problem"], r["phase"], r["status"],
             "" if r["difference"] is None else f"{r['difference']:+.4g}",
             "" if r["p_value"] is None else f"{r['p_value']:.3g}"]
            for r in frame.to_dict(orient="records")
        ],
    )  # fmt: skip


def league_(as_json: JsonOpt = False) -> None:
    """Teams ranked by measured improvement."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.standards.projects import league

    with open_store() as store, store.session() as s:
        frame = league(s)
    if as_json:
        print_json({"league": frame.to_dict(orient="records")})
        return
    print_table(
        _("Team league"),
        ["#", _("team"), _("projects"), _("improved"), _("improvement")],
        [
            [r["rank"], r["team"], r["projects"], r["improved"], f"{100 * r['improvement']:.0f}%"]
            for r in frame.to_dict(orient="records")
        ],
    )


def recognise_(
    name: Annotated[str, typer.Argument(help="Project name.")],
    person: Annotated[str, typer.Option("--person", help="Who was rewarded.")],
    reason: Annotated[str, typer.Option("--reason", help="For what.")],
) -> None:
    """Record a recognition for a project's measured improvement."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.standards.projects import recognise

    with open_store() as store, store.session() as s:
        recognise(s, name, person=person, reason=reason)
    console.print(_("Recognition recorded for {person}.", person=person))


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help=_("Improvement projects: DMAIC, measured effect, team league."), no_args_is_help=True
    )
    group.command("create")(create)
    group.command("phase")(phase)
    group.command("change")(change)
    group.command("measure")(measure)
    group.command("close")(close)
    group.command("list")(list_)
    group.command("league")(league_)
    group.command("recognise")(recognise_)
    app.add_typer(group, name="projects")
