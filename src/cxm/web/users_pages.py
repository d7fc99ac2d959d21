"""Users and roles, for administrators: invite with a one-time set-password link (e-mailed
when the account has an address and a relay is set, else shown once), set role,
scope, team or unit and the linked employee, reset a password, deactivate. The services are
those of the ``cxm users`` command (:mod:`cxm.accounts`); every change is audited there.

The set-password page is open to anyone holding a live link (the link is the credential)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from cxm.accounts.invites import (
    LINK_DAYS,
    employees_to_link,
    invite_user,
    link_employee,
    password_link_token,
    redeem_password_link,
    staff_rows,
    teams_and_units,
    user_for_link,
)
from cxm.accounts.link_mail import LinkMail, mail_password_link
from cxm.accounts.models import Role, Scope
from cxm.accounts.permissions import ROLE_TEXT, SCOPE_TEXT, Capability
from cxm.accounts.service import DEFAULT_SCOPE, get_user, update_user
from cxm.errors import CXMError, InputError, NotFound
from cxm.i18n import _
from cxm.web.deps import AppSettings, CsrfChecked, DbSession
from cxm.web.frame import page, redirect_with_flash
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(tags=["staff pages"], include_in_schema=False)

Admin = Annotated[Grant, Require(Capability.MANAGE_USERS)]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Path(max_length=512)]


def _choices(db: DbSession) -> dict[str, Any]:
    teams, units = teams_and_units(db)
    return {
        "roles": [(r.value, _(ROLE_TEXT[r]), DEFAULT_SCOPE[r].value) for r in Role],
        "scopes": [(s.value, _(SCOPE_TEXT[s])) for s in Scope],
        "teams": teams,
        "units": units,
        "employees": employees_to_link(db),
    }


def _list_page(
    request: Request,
    grant: Grant,
    db: DbSession,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "user": grant.user,
        "rows": staff_rows(db),
        "error": error,
        "values": values or {"role": "agent"},
        "crumbs": [(_("Dashboard"), "/staff/"), (_("Users"), None)],
        **_choices(db),
    }
    return page(request, "staff/users.html", context, status=status)


@router.get("/staff/users", response_class=HTMLResponse)
def users_page(request: Request, grant: Admin, db: DbSession) -> Response:
    """Every staff account with role, scope, team, employee and last sign-in; the invite form."""
    return _list_page(request, grant, db)


def _link(settings: AppSettings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/staff/password/{token}"


def _hand_over(
    db: DbSession, settings: AppSettings, grant: Grant, *, name: str, token: str, invited: bool
) -> LinkMail:
    """E-mail the link to the account's address when a relay is set (else say why not)."""
    from cxm.surveys.mail import channel_settings

    return mail_password_link(
        db,
        user=get_user(db, name=name),
        link=_link(settings, token),
        days=LINK_DAYS,
        invited=invited,
        site=settings.base_url,
        channels=channel_settings(settings) if settings.smtp_host else None,
        actor_id=grant.user.id,
    )


@router.post("/staff/users", response_class=HTMLResponse)
def invite(
    request: Request,
    grant: Admin,
    db: DbSession,
    settings: AppSettings,
    name: Annotated[str, Form(max_length=100)],
    role: Annotated[str, Form(max_length=16)],
    scope: Annotated[str, Form(max_length=16)] = "",
    team: Annotated[str, Form(max_length=200)] = "",
    unit: Annotated[str, Form(max_length=100)] = "",
    employee: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Create the account and e-mail its one-time set-password link to the address given
    (with a relay set); otherwise show the link, once (it is not kept)."""
    values = {"name": name, "role": role, "scope": scope, "team": team, "unit": unit}
    values.update(employee=employee, email=email)
    try:
        with db.begin_nested():
            user = invite_user(
                db,
                name=name.strip(),
                role=role,
                scope=scope or None,
                team=team or None,
                unit=unit or None,
                employee=employee or None,
                email=email or None,
                actor_id=grant.user.id,
            )
            token = password_link_token(
                db,
                name=user.name,
                secret=settings.secret_key.get_secret_value(),
                actor_id=grant.user.id,
            )
    except CXMError as exc:
        return _list_page(request, grant, db, error=exc.message, values=values, status=exc.status)
    mailed = _hand_over(db, settings, grant, name=user.name, token=token, invited=True)
    return _user_page(
        request,
        grant,
        db,
        user.id,
        link=None if mailed.sent else _link(settings, token),
        mailed=mailed,
        notice=_("{name} is invited.", name=user.name),
    )


def _user_page(
    request: Request,
    grant: Grant,
    db: DbSession,
    user_id: int,
    *,
    link: str | None = None,
    mailed: LinkMail | None = None,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = staff_rows(db, user_id=user_id)
    if not rows:
        raise NotFound(_("No user with id {id}.", id=user_id))
    row = rows[0]
    context = {
        "user": grant.user,
        "row": row,
        "link": link,
        "mailed": mailed,
        "link_days": LINK_DAYS,
        "notice": notice,
        "error": error,
        "myself": row.id == grant.user.id,
        "crumbs": [(_("Dashboard"), "/staff/"), (_("Users"), "/staff/users"), (row.name, None)],
        **_choices(db),
    }
    return page(request, "staff/user.html", context, status=status)


@router.get("/staff/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: UserId, grant: Admin, db: DbSession) -> Response:
    return _user_page(request, grant, db, user_id)


def _name_of(db: DbSession, user_id: int) -> str:
    rows = staff_rows(db, user_id=user_id)
    if not rows:
        raise NotFound(_("No user with id {id}.", id=user_id))
    return rows[0].name


@router.post("/staff/users/{user_id}", response_class=HTMLResponse)
def change_user(
    request: Request,
    user_id: UserId,
    grant: Admin,
    db: DbSession,
    role: Annotated[str, Form(max_length=16)],
    scope: Annotated[str, Form(max_length=16)],
    team: Annotated[str, Form(max_length=200)] = "",
    unit: Annotated[str, Form(max_length=100)] = "",
    employee: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Set e-mail address, role, scope, team, unit and employee at once (all or nothing)."""
    name = _name_of(db, user_id)
    try:
        with db.begin_nested():
            update_user(
                db,
                name=name,
                email=email,
                role=role,
                scope=scope,
                team=team,
                unit=unit,
                actor_id=grant.user.id,
            )
            link_employee(db, name=name, employee=employee or None, actor_id=grant.user.id)
    except CXMError as exc:
        return _user_page(request, grant, db, user_id, error=exc.message, status=exc.status)
    return redirect_with_flash(
        request, f"/staff/users/{user_id}", _("Saved the changes to {name}.", name=name)
    )


@router.post("/staff/users/{user_id}/password-link", response_class=HTMLResponse)
def reset_password(
    request: Request, user_id: UserId, grant: Admin, db: DbSession, settings: AppSettings
) -> Response:
    """A new one-time link to set the password (the old password works until it is used),
    e-mailed to the account's address with a relay set, else shown once."""
    name = _name_of(db, user_id)
    try:
        with db.begin_nested():
            token = password_link_token(
                db, name=name, secret=settings.secret_key.get_secret_value(), actor_id=grant.user.id
            )
    except CXMError as exc:
        return _user_page(request, grant, db, user_id, error=exc.message, status=exc.status)
    mailed = _hand_over(db, settings, grant, name=name, token=token, invited=False)
    link = None if mailed.sent else _link(settings, token)
    return _user_page(request, grant, db, user_id, link=link, mailed=mailed)


@router.post("/staff/users/{user_id}/active", response_class=HTMLResponse)
def set_active(
    request: Request,
    user_id: UserId,
    grant: Admin,
    db: DbSession,
    active: Annotated[str, Form(max_length=5)],
) -> Response:
    """Deactivate (every session ends at once) or reactivate an account."""
    name = _name_of(db, user_id)
    on = active == "true"
    try:
        with db.begin_nested():
            update_user(db, name=name, active=on, actor_id=grant.user.id)
    except CXMError as exc:  # one's own account: see update_user
        return _user_page(request, grant, db, user_id, error=exc.message, status=exc.status)
    message = (
        _("{name} can sign in again.", name=name)
        if on
        else _("{name} is deactivated and signed out everywhere.", name=name)
    )
    return redirect_with_flash(request, f"/staff/users/{user_id}", message)


@router.get("/staff/password/{token}", response_class=HTMLResponse)
def password_form(request: Request, token: Token, db: DbSession, settings: AppSettings) -> Response:
    """Anyone holding a live link: choose a password."""
    try:
        user = user_for_link(db, token=token, secret=settings.secret_key.get_secret_value())
    except CXMError as exc:
        return page(
            request,
            "staff/password.html",
            {"user": None, "error": exc.message, "ok": False},
            exc.status,
        )
    return page(
        request, "staff/password.html", {"user": None, "name": user.name, "error": None, "ok": True}
    )


@router.post("/staff/password/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def password_set(
    request: Request,
    token: Token,
    db: DbSession,
    settings: AppSettings,
    password: Annotated[str, Form(max_length=1024)],
    again: Annotated[str, Form(max_length=1024)],
) -> Response:
    secret = settings.secret_key.get_secret_value()
    try:
        if password != again:
            user = user_for_link(db, token=token, secret=secret)
            raise InputError(_("The two passwords differ: type the same password twice."))
        with db.begin_nested():
            user = redeem_password_link(db, token=token, secret=secret, password=password)
    except CXMError as exc:
        try:
            name = user_for_link(db, token=token, secret=secret).name
        except CXMError:
            name = None
        context = {"user": None, "name": name, "error": exc.message, "ok": name is not None}
        return page(request, "staff/password.html", context, status=exc.status)
    return redirect_with_flash(
        request, "/staff/login", _("Password set for {name}: sign in now.", name=user.name)
    )
