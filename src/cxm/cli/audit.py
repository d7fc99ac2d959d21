"""``cxm audit``: read the audit log (it cannot be changed)."""

from __future__ import annotations

from typing import Annotated

import typer

from cxm.i18n import _

__all__ = ["register"]


def list_(
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only this entity, e.g. staff_user, wave.")
    ] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help="Only this entity id.")] = None,
    actor: Annotated[int | None, typer.Option("--actor", help="Only this staff user id.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The latest audit entries, newest first."""
    import json

    from cxm.audit import list_entries
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table

    with open_store() as store, store.session() as s:
        rows = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor_id": e.actor_id,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "before": e.before,
                "after": e.after,
            }
            for e in list_entries(
                s, entity=entity, entity_id=entity_id, actor_id=actor, limit=limit
            )
        ]
    if as_json:
        print_json(rows)
        return

    def brief(value: object) -> str:
        text = "" if value is None else json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 60 else text[:59] + "…"

    print_table(
        _("Audit log"),
        [_("Time"), _("Who"), _("Action"), _("Entity"), _("Id"), _("Before"), _("After")],
        [
            [
                r["at"],
                r["actor_id"] if r["actor_id"] is not None else _("system"),
                r["action"],
                r["entity"],
                r["entity_id"],
                brief(r["before"]),
                brief(r["after"]),
            ]
            for r in rows
        ],
    )


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit log (append-only).", no_args_is_help=True)
    audit.command("list")(list_)
    app.add_typer(audit, name="audit")
