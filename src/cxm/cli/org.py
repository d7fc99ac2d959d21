"""``cxm org``: import the organisation (units, teams, employees, who serves whom) and show
it as a tree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.org.tree import TeamNode, UnitNode

__all__ = ["register"]

KIND_HELP = "units (code, name, kind, parent), teams (team, unit, parent, lead), employees " \
    "(external_id, name, team, unit, job, hired_on, left_on, staff_user) or assignments " \
    "(customer, team, employee, starts_on, ends_on)."  # fmt: skip


def import_(
    kind: Annotated[str, typer.Argument(help=KIND_HELP)],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file.")],
) -> None:
    """Import one organisation file: all of it, or nothing with every problem listed."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console
    from cxm.people.organisation import import_org_file

    with open_store() as store, store.session() as s:
        result = import_org_file(s, kind=kind, path=file)
    console.print(
        _(
            "{kind}: {rows} rows, {created} added, {updated} updated.",
            kind=result.kind,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
        )
    )


def _team_lines(team: TeamNode, depth: int) -> list[str]:
    lead = _(", lead {lead}", lead=team.lead) if team.lead else ""
    line = "  " * depth + _(
        "team {name} ({n} members{lead})", name=team.name, n=team.members, lead=lead
    )
    out = [line]
    for sub in team.sub_teams:
        out += _team_lines(sub, depth + 1)
    return out


def _unit_lines(unit: UnitNode, depth: int) -> list[str]:
    out = ["  " * depth + f"{unit.name} [{unit.code}, {unit.kind}]"]
    for team in unit.teams:
        out += _team_lines(team, depth + 1)
    for child in unit.units:
        out += _unit_lines(child, depth + 1)
    return out


def show(
    unit: Annotated[str | None, typer.Argument(help="Org unit code (default: everything).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The organisation as a tree: units, their teams with leads and members, sub-teams."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json
    from cxm.org.tree import org_tree

    with open_store() as store, store.session() as s:
        tree = org_tree(s, unit=unit)
    if as_json:
        print_json([u.to_dict() for u in tree])
        return
    if not tree:
        typer.echo(_("No organisation yet: import units with `cxm org import units FILE`."))
        return
    for root in tree:
        typer.echo("\n".join(_unit_lines(root, 0)))


def register(app: typer.Typer) -> None:
    org = typer.Typer(help="The organisation: units, teams, employees.", no_args_is_help=True)
    org.command("import")(import_)
    org.command("show")(show)
    app.add_typer(org, name="org")
