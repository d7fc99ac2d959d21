"""``cxm channels send|log|bounces``: outbound channels and their send log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def send(
    channel: Annotated[str, typer.Argument(help="email, sms, wecom or dingtalk.")],
    to: Annotated[str, typer.Option("--to", help="Address, mobile number, or group (robots).")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    subject: Annotated[str, typer.Option("--subject", help="E-mail subject.")] = "CXM",
    as_json: JsonOpt = False,
) -> None:
    """Send one message through a channel (to check its settings); it is logged."""
    from cxm.channels import get_channel, load_channel_settings, log_deliveries
    from cxm.channels.base import Message
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json
    from cxm.i18n import current_language

    sender = get_channel(channel, load_channel_settings())
    (d,) = sender.send([Message(to=to, text=text, subject=subject, lang=current_language())])
    with open_store() as store, store.session() as s:
        log_deliveries(s, channel, [d], purpose=None)
    out = {
        "channel": channel,
        "outcome": d.outcome.value,
        "detail": d.detail,
        "message_id": d.message_id,
    }
    if as_json:
        print_json(out)
    else:
        console.print(
            _(
                "{channel}: {outcome} {detail}",
                channel=channel,
                outcome=d.outcome.value,
                detail=d.detail or "",
            )
        )
    if not d.sent:
        raise typer.Exit(1)


def log(
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The latest sends with their outcomes."""
    from cxm.channels.registry import send_log
    from cxm.cli.context import open_store
    from cxm.cli.output import print_json, print_table

    with open_store() as store, store.session() as s:
        rows = send_log(s, limit=limit, channel=channel)
    if as_json:
        print_json(rows)
        return
    cols = ["id", "channel", "recipient", "reference", "outcome", "detail", "attempted_at"]
    print_table(_("Sends"), cols, [[r[c] for c in cols] for r in rows])


def bounces(
    files: Annotated[list[Path], typer.Argument(help="Bounce messages (.eml, RFC 3464).")],
    as_json: JsonOpt = False,
) -> None:
    """Record the bounces in delivery-status reports against the sends they return."""
    from cxm.channels.registry import record_bounces
    from cxm.cli.context import open_store
    from cxm.cli.output import console, print_json

    changed = 0
    with open_store() as store, store.session() as s:
        for f in files:
            try:
                raw = f.read_bytes()
            except OSError as exc:
                raise InputError(
                    _("Cannot read {path}: {reason}", path=str(f), reason=str(exc))
                ) from None
            changed += record_bounces(s, raw)
    if as_json:
        print_json({"files": len(files), "bounced": changed})
    else:
        console.print(_("{n} sends marked as bounced.", n=changed))


def register(app: typer.Typer) -> None:
    c = typer.Typer(
        help=_("Outbound channels: test sends, send log, bounces."), no_args_is_help=True
    )
    c.command("send")(send)
    c.command("log")(log)
    c.command("bounces")(bounces)
    app.add_typer(c, name="channels")
