"""``cxm journey load|show|steps``: the customer journey's stages, touchpoint types and
process steps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def load(
    file: Annotated[
        Path | None, typer.Argument(help="Journey YAML file (see the shipped examples).")
    ] = None,
    example: Annotated[
        str | None, typer.Option("--example", help="A shipped journey: default, retail, bank.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who loads it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a journey as the active one (a new version when its content changed)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.journey.service import load_journey
    from cxm.journey.spec import shipped

    if (file is None) == (example is None):
        raise InputError(_("Give a journey FILE or --example NAME."))
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                _("Cannot read {path}: {reason}", path=str(file), reason=str(exc))
            ) from None
        source = str(file)
    else:
        text, source = shipped(str(example)), f"{example}.yaml"
    with open_store() as store, store.session() as s:
        result = load_journey(s, text, source=source, loaded_by=by)
    if as_json:
        print_json(
            {
                "name": result.name,
                "version": result.version,
                "created": result.created,
                "moved": result.moved,
            }
        )
        return
    if not result.created:
        console.print(
            _("Journey {name} version {v} is unchanged.", name=result.name, v=result.version)
        )
        return
    console.print(_("Journey {name} version {v} is active.", name=result.name, v=result.version))
    for old, n in result.moved.items():
        console.print(_("Moved {n} touchpoints from stage {old}.", n=n, old=old))


def show(as_json: JsonOpt = False) -> None:
    """The active journey: its stages in order, their touchpoint types and counts."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.i18n import current_language
    from cxm.journey.service import journey_dict

    with open_store() as store, store.session() as s:
        j = journey_dict(s)
    if as_json:
        print_json(j)
        return
    lang = current_language()

    def label(d: dict[str, str], code: str) -> str:
        return d.get(lang) or d.get(lang.split("-")[0]) or d.get("en") or code

    print_table(
        _("Journey {name}, version {v}", name=j["name"], v=j["version"]),
        ["#", _("Stage"), _("Code"), _("Touchpoint types"), _("Touchpoints")],
        [
            [
                st["position"],
                label(st["label"], st["code"]),
                st["code"],
                ", ".join(st["touchpoint_types"]) or "—",
                st["touchpoints"],
            ]
            for st in j["stages"]
        ],
    )


def register(app: typer.Typer) -> None:
    jr = typer.Typer(
        help=_("The customer journey: stages and touchpoint types."), no_args_is_help=True
    )
    jr.command("load")(load)
    jr.command("show")(show)
    from cxm.cli.journey_steps import steps_app

    jr.add_typer(steps_app(), name="steps")
    app.add_typer(jr, name="journey")
