"""``cxm consent import|set|show``: consent and contact preferences."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cxm.errors import NotFound
from cxm.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: customer, channel, purpose, granted…")],
    source: Annotated[
        str | None, typer.Option("--source", help="Where the statements come from.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import consent statements (all rows or none)."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.consent.importing import import_consent

    with open_store() as store, store.session() as s:
        result = import_consent(s, file, source=source)
    out = {"rows": result.rows, "granted": result.granted, "refused": result.refused}
    if as_json:
        print_json(out)
    else:
        console.print(
            _(
                "Imported {rows} consent statements ({granted} granted, {refused} refused).",
                rows=result.rows,
                granted=result.granted,
                refused=result.refused,
            )
        )


def _customer_id(session: Session, ref: str) -> int:
    from sqlalchemy import select

    from cxm.customers.models import Customer

    cid = session.scalar(select(Customer.id).where(Customer.external_id == ref.strip()))
    if cid is None:
        raise NotFound(_("No customer with id {id}.", id=ref))
    return int(cid)


def set_(
    customer: Annotated[str, typer.Argument(help="Customer id (external).")],
    channel: Annotated[str, typer.Option("--channel", help="email, sms, wecom, phone, post.")],
    purpose: Annotated[str, typer.Option("--purpose", help="survey, marketing, service.")],
    granted: Annotated[
        bool, typer.Option("--granted/--refused", help="Consent given or refused/withdrawn.")
    ],
    source: Annotated[str | None, typer.Option("--source")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record one statement of consent (or its withdrawal) for a customer."""
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.consent.service import record_consent

    with open_store() as store, store.session() as s:
        row = record_consent(
            s,
            customer_id=_customer_id(s, customer),
            channel=channel,
            purpose=purpose,
            granted=granted,
            source=source or "cli",
        )
        out = {
            "customer": customer,
            "channel": row.channel.value,
            "purpose": row.purpose.value,
            "granted": row.granted,
            "given_at": row.given_at,
        }
    if as_json:
        print_json(out)
    else:
        console.print(_("Consent recorded for {customer}.", customer=customer))


def show(
    customer: Annotated[str, typer.Argument(help="Customer id (external).")],
    as_json: JsonOpt = False,
) -> None:
    """A customer's consent history, latest first, and what it allows now."""
    from sqlalchemy import select

    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table
    from cxm.consent.models import ConsentChannel, ConsentRecord, Purpose
    from cxm.consent.service import split_by_consent

    with open_store() as store, store.session() as s:
        cid = _customer_id(s, customer)
        history = [
            {
                "channel": r.channel.value,
                "purpose": r.purpose.value,
                "granted": r.granted,
                "given_at": r.given_at,
                "source": r.source,
            }
            for r in s.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.customer_id == cid)
                .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
            )
        ]
        now = {
            f"{c.value}/{p.value}": bool(split_by_consent(s, [cid], channel=c, purpose=p).allowed)
            for c in ConsentChannel
            for p in Purpose
        }
    if as_json:
        print_json({"customer": customer, "allowed": now, "history": history})
        return
    print_table(
        _("Consent of {customer}", customer=customer),
        [_("Channel"), _("Purpose"), _("Granted"), _("Date"), _("Source")],
        [
            [
                h["channel"],
                h["purpose"],
                _("yes") if h["granted"] else _("no"),
                h["given_at"],
                h["source"],
            ]
            for h in history
        ],
    )
    allowed = [k for k, v in now.items() if v]
    print_table(_("Contact allowed now"), [_("Channel/purpose")], [[k] for k in allowed])


def register(app: typer.Typer) -> None:
    c = typer.Typer(help=_("Consent and contact preferences."), no_args_is_help=True)
    c.command("import")(import_)
    c.command("set")(set_)
    c.command("show")(show)
    app.add_typer(c, name="consent")
