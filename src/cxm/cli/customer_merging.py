"""``cxm customers duplicates|merge|unmerge|merges``: one customer across sources."""

from __future__ import annotations

from typing import Annotated

import typer

from cxm.i18n import _

__all__ = ["register"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def duplicates(
    keys: Annotated[
        str,
        typer.Option("--keys", help="Match keys, comma-separated: phone,email,id_card,buyer_id."),
    ] = "phone,email,id_card,buyer_id",
    as_json: JsonFlag = False,
) -> None:
    """Probable duplicates: customers that share a phone, e-mail, ID card or buyer id."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json, print_table
    from cxm.customers.importing.merging import find_duplicates

    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    with open_store() as store, store.session() as s:
        groups = find_duplicates(s, keys=wanted)
    if as_json:
        print_json(
            [{"key": g.key, "value": g.value, "customers": list(g.customers)} for g in groups]
        )
        return
    if not groups:
        console.print(_("No probable duplicates."))
        return
    print_table(
        _("Probable duplicates"),
        [_("match key"), _("value"), _("customers")],
        [[_(g.key), g.value, ", ".join(g.customers)] for g in groups],
    )


def merge(
    kept: Annotated[str, typer.Argument(help="Customer id to keep.")],
    merged: Annotated[str, typer.Argument(help="Customer id folded into it (then removed).")],
    force: Annotated[
        bool, typer.Option("--force", help="Merge even though no match key is shared.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Merge two customers (audited; undo with `cxm customers unmerge`)."""
    import getpass

    import cxm.registry  # noqa: F401  (every table: each row of the merged customer moves)
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.customers.importing.merging import merge_customers

    with open_store() as store, store.session() as s:
        record = merge_customers(s, kept=kept, merged=merged, by=getpass.getuser(), force=force)
        moved = sum(len(ids) for ids in record.moved.values())
        merge_id, keys = record.id, record.keys
    if as_json:
        print_json(
            {"merge": merge_id, "kept": kept, "merged": merged, "keys": keys, "moved": moved}
        )
        return
    console.print(
        _(
            "Merged {merged} into {kept} (merge {id}, keys: {keys}); {n} rows moved.",
            merged=merged,
            kept=kept,
            id=merge_id,
            keys=keys,
            n=moved,
        )
    )


def unmerge_cmd(
    merge_id: Annotated[int, typer.Argument(help="Merge id (see `cxm customers merges`).")],
    as_json: JsonFlag = False,
) -> None:
    """Undo a merge: the merged customer comes back with its purchases and answers."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.customers.importing.merging import unmerge

    with open_store() as store, store.session() as s:
        record = unmerge(s, merge_id=merge_id)
        merged = record.merged_external_id
    if as_json:
        print_json({"merge": merge_id, "restored": merged})
        return
    console.print(_("Merge {id} undone: {customer} is back.", id=merge_id, customer=merged))


def list_merges(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The audit trail of merges, newest first."""
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.customers.importing.merging import merges

    with open_store() as store, store.session() as s:
        rows = [
            {
                "merge": m.id,
                "kept": m.kept_id,
                "merged": m.merged_external_id,
                "keys": m.keys,
                "by": m.merged_by,
                "at": m.created_at.isoformat(),
                "undone_at": m.undone_at.isoformat() if m.undone_at else None,
            }
            for m in merges(s, customer=customer)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Customer merges"),
        [_("merge"), _("kept"), _("merged"), _("keys"), _("by"), _("at"), _("undone at")],
        [[r[k] or "" for k in ("merge", "kept", "merged", "keys", "by", "at", "undone_at")]
         for r in rows],
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the commands to the ``customers`` group (registered by :mod:`cxm.cli.customers`)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "customers"), None)
    if group is None:
        group = typer.Typer(help="Customers.", no_args_is_help=True)
        app.add_typer(group, name="customers")
    group.command("duplicates")(duplicates)
    group.command("merge")(merge)
    group.command("unmerge")(unmerge_cmd)
    group.command("merges")(list_merges)
