"""``cxm waves invitations|send|remind``: personal links out of a wave — as a CSV for a
mail-merge or SMS tool, or e-mailed over SMTP (``CXM_SMTP_HOST``), with reminders for
those who have not answered. The same service functions as the staff API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.context import open_store, settings
from cxm.cli.output import console, err_console, print_json
from cxm.i18n import _, current_language

__all__ = ["register_wave_commands"]

WaveArg = Annotated[str, typer.Argument(help="Wave id or name.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
LangOpt = Annotated[
    str | None,
    typer.Option("--mail-lang", help="Language of the e-mail: en, zh-CN or zh-TW."),
]


def invitations(
    wave: WaveArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV file to write (default: standard output).")
    ] = None,
    include_completed: Annotated[
        bool, typer.Option("--include-completed", help="Also list those who have answered.")
    ] = False,
) -> None:
    """Export the wave's open invitations with a fresh personal link each (CSV, UTF-8 with
    BOM; earlier links keep working)."""
    import io

    from cxm.responses_io.rates import resolve_wave
    from cxm.surveys.invitations import export_invitations_csv

    buffer = io.StringIO()
    withheld: dict[str, int] = {}
    with open_store() as store, store.session() as s:
        wave_id = resolve_wave(s, ref=wave).id
        n = export_invitations_csv(
            s,
            wave_id=wave_id,
            base_url=settings().base_url,
            out=buffer,
            include_completed=include_completed,
            withheld=withheld,
        )
    if any(withheld.values()):
        err_console.print(
            _(
                "Without consent to survey contact: {rows} customers left out; {email} "
                "e-mail addresses and {phone} phone numbers left blank.",
                rows=withheld["rows"],
                email=withheld["email"],
                phone=withheld["phone"],
            )
        )
    if out is None:
        sys.stdout.write(buffer.getvalue())
        return
    out.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    console.print(_("Wrote {n} personal links to {path}.", n=n, path=str(out)))


def _mail(
    wave: str,
    *,
    reminder: bool,
    lang: str | None,
    days: int,
    most: int,
    as_json: bool,
    channel: str = "email",
) -> None:
    from cxm.responses_io.rates import resolve_wave
    from cxm.surveys.mail import send_wave_emails

    with open_store() as store:
        with store.session() as s:
            wave_id = resolve_wave(s, ref=wave).id
        result = send_wave_emails(
            store,
            settings(),
            wave_id=wave_id,
            reminder=reminder,
            lang=lang or current_language(),
            min_days_since=days,
            max_reminders=most,
            channel=channel,
        )
    figures = {
        "channel": result.channel,
        "sent": result.sent,
        "no_email": result.no_email,
        "failed": result.failed,
        "no_consent": result.no_consent,
    }
    if as_json:
        print_json(figures)
        return
    if channel == "email":
        console.print(
            _(
                "Sent {sent} e-mails; {no_email} customers have no e-mail address; "
                "{failed} were refused by the mail server.",
                sent=result.sent,
                no_email=result.no_email,
                failed=result.failed,
            )
        )
    else:
        console.print(
            _(
                "Sent {sent} text messages; {no_email} customers have no mobile number; "
                "{failed} were refused or failed at the gateway.",
                sent=result.sent,
                no_email=result.no_email,
                failed=result.failed,
            )
        )
    console.print(
        _(
            "{n} customers were skipped: no consent to survey contact by {channel}.",
            n=result.no_consent,
            channel=channel,
        )
    )


ChannelOpt = Annotated[
    str, typer.Option("--channel", help="email (CXM_SMTP_*) or sms (CXM_SMS_*).")
]


def send(
    wave: WaveArg, lang: LangOpt = None, as_json: JsonFlag = False, channel: ChannelOpt = "email"
) -> None:
    """Send every invited customer not yet reached their personal link (e-mail or SMS)."""
    _mail(wave, reminder=False, lang=lang, days=0, most=1, as_json=as_json, channel=channel)


def remind(
    wave: WaveArg,
    min_days: Annotated[
        int, typer.Option("--min-days", min=0, help="Days since the last mail before reminding.")
    ] = 3,
    max_reminders: Annotated[
        int, typer.Option("--max-reminders", min=1, help="Most reminders per customer.")
    ] = 2,
    lang: LangOpt = None,
    as_json: JsonFlag = False,
    channel: ChannelOpt = "email",
) -> None:
    """Remind customers who have not answered yet (e-mail or SMS)."""
    _mail(
        wave,
        reminder=True,
        lang=lang,
        days=min_days,
        most=max_reminders,
        as_json=as_json,
        channel=channel,
    )


def register_wave_commands(waves: typer.Typer) -> None:
    waves.command("invitations")(invitations)
    waves.command("send")(send)
    waves.command("remind")(remind)
