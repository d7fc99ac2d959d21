"""``cxm users``: staff accounts and their API tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxm.cli.context import open_store
from cxm.cli.output import console, print_json, print_table
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["register"]


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                _("Cannot read {path}: {reason}", path=str(password_file), reason=str(exc))
            ) from None
        return text.rstrip("\r\n")
    return str(typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True))


def create(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str,
        typer.Option("--role", help="admin, manager, analyst, lead, agent, viewer or shopper."),
    ],
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            help="own, team, teams_led, unit or all (default: the role's usual scope).",
        ),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="The user's team (for scope team).")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Org unit code (for scope unit).")
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file (else prompt)."),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option("--email", help="E-mail address (where set-password links are sent)."),
    ] = None,
) -> None:
    """Add a staff member (the password is asked for without echo)."""
    from cxm.accounts import create_user

    password = _read_password(password_file)
    with open_store() as store, store.session() as s:
        user = create_user(
            s,
            name=name,
            role=role,
            scope=scope,
            team=team,
            unit=unit,
            email=email,
            password=password,
        )
        console.print(
            _(
                "Created user {name} ({role}, scope {scope}).",
                name=user.name,
                role=user.role.value,
                scope=user.scope.value,
            )
        )


def update(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str | None, typer.Option("--role", help="A new role.")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="A new scope.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="A new team.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="A new org unit code.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Allow or stop sign-in.")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", help='A new e-mail address ("" removes it).')
    ] = None,
) -> None:
    """Change a staff member's role, scope, team, unit, e-mail or whether they may sign in."""
    from cxm.accounts import update_user

    with open_store() as store, store.session() as s:
        user = update_user(
            s,
            name=name,
            role=role,
            scope=scope,
            team=team,
            unit=unit,
            active=active,
            email=email,
        )
        console.print(
            _(
                "User {name}: {role}, scope {scope}.",
                name=user.name,
                role=user.role.value,
                scope=user.scope.value,
            )
        )


def token(
    name: Annotated[str, typer.Argument(help="Login name.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
) -> None:
    """Issue an API token; it is printed once and only its hash is kept."""
    from cxm.accounts import create_token

    with open_store() as store, store.session() as s:
        issued = create_token(s, name=name, label=label)
    typer.echo(issued.secret)
    console.print(
        _("Token {id} issued; keep it secret, it is not shown again.", id=issued.id), style="dim"
    )


def revoke(token_id: Annotated[int, typer.Argument(help="Token id.")]) -> None:
    """Revoke an API token."""
    from cxm.accounts import revoke_token

    with open_store() as store, store.session() as s:
        revoke_token(s, token_id=token_id)
    console.print(_("Token {id} revoked.", id=token_id))


def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List staff members."""
    from cxm.accounts import list_users

    with open_store() as store, store.session() as s:
        rows = [
            {
                "name": u.name,
                "email": u.email,
                "role": u.role.value,
                "scope": u.scope.value,
                "team_id": u.team_id,
                "unit_id": u.unit_id,
                "active": u.active,
                "last_login_at": u.last_login_at,
                "tokens": sum(1 for t in u.tokens if t.revoked_at is None),
            }
            for u in list_users(s)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        _("Staff users"),
        [_("Name"), _("Role"), _("Scope"), _("Active"), _("Last sign-in"), _("API tokens")],
        [
            [r["name"], r["role"], r["scope"], r["active"], r["last_login_at"] or "", r["tokens"]]
            for r in rows
        ],
    )


def permissions(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/permissions.md (the whole file).")
    ] = False,
) -> None:
    """The table of roles × capabilities × widest scope."""
    from cxm.accounts.permissions import PERMISSIONS, Role, render_markdown

    if markdown:
        typer.echo(render_markdown(), nl=False)
        return
    roles = list(Role)
    print_table(
        _("Permissions (widest scope per role)"),
        [_("Capability"), *(r.value for r in roles)],
        [
            [c.value, *(row[r].value if r in row else "" for r in roles)]
            for c, row in PERMISSIONS.items()
        ],
    )


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Staff accounts and API tokens.", no_args_is_help=True)
    users.command("create")(create)
    users.command("update")(update)
    users.command("token")(token)
    users.command("revoke")(revoke)
    users.command("list")(list_)
    users.command("permissions")(permissions)
    app.add_typer(users, name="users")
