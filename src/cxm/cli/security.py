"""``cxm security``: password resets, deactivation, TOTP and the sign-in record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.context import open_store
from cxm.cli.output import console, print_json, print_table
from cxm.i18n import _

__all__ = ["register"]

Name = Annotated[str, typer.Argument(help="Login name.")]


def reset_password(
    name: Name,
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file (else prompt)."),
    ] = None,
) -> None:
    """Set a new password: every session of the user ends, and failed sign-ins made by
    others against the account stop counting."""
    from cxm.accounts.sessions import reset_password as reset
    from cxm.cli.users import _read_password

    password = _read_password(password_file)
    with open_store() as store, store.session() as s:
        reset(s, name=name, password=password)
    console.print(_("Password of {name} reset; their sessions have ended.", name=name))


def deactivate(name: Name) -> None:
    """Deactivate a user: no sign-in, no API token; every session ends now."""
    from cxm.accounts.sessions import deactivate_user

    with open_store() as store, store.session() as s:
        deactivate_user(s, name=name)
    console.print(_("User {name} deactivated.", name=name))


def totp_setup(name: Name) -> None:
    """Start TOTP for a user: prints the otpauth:// URI to scan; then `totp-enable`."""
    from cxm.accounts import get_user
    from cxm.accounts.totp import begin_totp

    with open_store() as store, store.session() as s:
        uri = begin_totp(s, user=get_user(s, name=name))
    typer.echo(uri)
    console.print(
        _(
            "Scan this in an authenticator app, then run `cxm security totp-enable {name} CODE`.",
            name=name,
        ),
        style="dim",
    )


def totp_enable(name: Name, code: Annotated[str, typer.Argument(help="A current code.")]) -> None:
    """Turn TOTP on for a user once a first code from the app matches."""
    from cxm.accounts import get_user
    from cxm.accounts.totp import enable_totp

    with open_store() as store, store.session() as s:
        enable_totp(s, user=get_user(s, name=name), code=code)
    console.print(_("TOTP is on for {name}: signing in now needs a code.", name=name))


def totp_disable(name: Name) -> None:
    """Turn TOTP off for a user (a lost phone)."""
    from cxm.accounts import get_user
    from cxm.accounts.totp import disable_totp

    with open_store() as store, store.session() as s:
        disable_totp(s, user=get_user(s, name=name))
    console.print(_("TOTP is off for {name}.", name=name))


def logins(
    account: Annotated[str | None, typer.Option("--user", help="Only this account.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The latest sign-in attempts, failed and successful."""
    from sqlalchemy import select

    from cxm.accounts.login_models import LoginAttempt

    with open_store() as store, store.session() as s:
        query = select(LoginAttempt).order_by(LoginAttempt.id.desc()).limit(limit)
        if account:
            query = query.where(LoginAttempt.account == account.strip().lower())
        rows = [
            {
                "at": a.at,
                "account": a.account,
                "client": a.client,
                "known_device": a.device is not None,
                "ok": a.ok,
                "reason": a.reason,
            }
            for a in s.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Sign-in attempts"),
        [_("Time"), _("Account"), _("Client"), _("Known device"), _("Result")],
        [[r["at"], r["account"], r["client"], r["known_device"], r["reason"]] for r in rows],
    )


def register(app: typer.Typer) -> None:
    security = typer.Typer(help="Sign-in security of staff accounts.", no_args_is_help=True)
    security.command("reset-password")(reset_password)
    security.command("deactivate")(deactivate)
    security.command("totp-setup")(totp_setup)
    security.command("totp-enable")(totp_enable)
    security.command("totp-disable")(totp_disable)
    security.command("logins")(logins)
    app.add_typer(security, name="security")
