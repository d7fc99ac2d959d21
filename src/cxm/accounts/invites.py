"""Inviting staff and resetting passwords with one-time links, and the user list an admin sees.

A set-password link carries the user's id and a digest of their current password hash,
signed with the app's secret key and valid for :data:`LINK_DAYS` days. Setting the password
changes the hash, so the link works once; a later link or a password set otherwise makes an
earlier link worthless too. An invited user gets a random password nobody knows, so the
account cannot be used until the link is followed. Every step is in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.accounts.models import Role, Scope, StaffUser
from cxm.accounts.service import create_user, get_user, set_password
from cxm.audit.service import record
from cxm.errors import InputError, NotFound
from cxm.i18n import _

__all__ = [
    "LINK_DAYS",
    "StaffRow",
    "employees_to_link",
    "invite_user",
    "link_employee",
    "password_link_token",
    "redeem_password_link",
    "staff_rows",
    "teams_and_units",
    "user_for_link",
]

LINK_DAYS = 3
_SALT = "cxm.set-password"


def _stamp(user: StaffUser) -> str:
    return hashlib.sha256(("link:" + user.password_hash).encode()).hexdigest()[:20]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def password_link_token(
    session: Session, *, name: str, secret: str, actor_id: int | None = None
) -> str:
    """A one-time token to set ``name``'s password (the link is ``/staff/password/TOKEN``);
    the issue is audited, the token itself is never stored."""
    user = get_user(session, name=name)
    if not user.active:
        raise InputError(_("{name} is deactivated: reactivate the account first.", name=name))
    record(
        session,
        actor_id=actor_id,
        action="password_link",
        entity="staff_user",
        entity_id=user.id,
        after={"valid_days": LINK_DAYS},
    )
    return _serializer(secret).dumps({"uid": user.id, "s": _stamp(user)})


def _bad_link() -> InputError:
    return InputError(
        _("This link is invalid, expired or already used: ask an administrator for a new one.")
    )


def user_for_link(session: Session, *, token: str, secret: str) -> StaffUser:
    """The active user a live set-password token belongs to (else a clear error)."""
    if len(token) > 512:
        raise _bad_link()
    try:
        data = _serializer(secret).loads(token, max_age=LINK_DAYS * 86400)
    except BadSignature:
        raise _bad_link() from None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise _bad_link()
    user = session.get(StaffUser, data["uid"])
    if user is None or not user.active or data.get("s") != _stamp(user):
        raise _bad_link()
    return user


def redeem_password_link(session: Session, *, token: str, secret: str, password: str) -> StaffUser:
    """Set the password of the link's user (once): the link stops working, and every
    session made with the old password ends."""
    user = user_for_link(session, token=token, secret=secret)
    set_password(session, name=user.name, password=password, actor_id=user.id)
    from cxm.accounts.sessions import end_sessions

    end_sessions(session, user_id=user.id, reason="password_changed")
    return user


def invite_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    scope: Scope | str | None = None,
    team: str | None = None,
    unit: str | None = None,
    employee: str | None = None,
    email: str | None = None,
    actor_id: int | None = None,
) -> StaffUser:
    """Create a user who cannot sign in until they follow a set-password link (e-mailed to
    ``email`` where one is given and a relay is set)."""
    user = create_user(
        session,
        name=name,
        email=email,
        role=role,
        password=secrets.token_urlsafe(32),
        scope=scope,
        team=team or None,
        unit=unit or None,
        actor_id=actor_id,
    )
    if employee:
        link_employee(session, name=name, employee=employee, actor_id=actor_id)
    return user


def link_employee(
    session: Session, *, name: str, employee: str | None, actor_id: int | None = None
) -> None:
    """Link user ``name`` to the employee with external id ``employee`` (None or "": unlink).
    An employee linked to another account is refused, naming it."""
    from cxm.org.models import Employee

    user = get_user(session, name=name)
    current = session.scalar(select(Employee).where(Employee.staff_user_id == user.id))
    target = None
    if employee:
        target = session.scalar(select(Employee).where(Employee.external_id == employee))
        if target is None:
            raise NotFound(_("No employee with id {id}.", id=employee))
        if target.staff_user_id not in (None, user.id):
            other = session.get(StaffUser, target.staff_user_id)
            raise InputError(
                _(
                    "Employee {id} is already linked to the account {name}.",
                    id=employee,
                    name=other.name if other else "?",
                )
            )
    if current is target:
        return
    before = {"employee_id": current.id if current else None}
    if current is not None:
        current.staff_user_id = None
        session.flush()
    if target is not None:
        target.staff_user_id = user.id
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="link_employee",
        entity="staff_user",
        entity_id=user.id,
        before=before,
        after={"employee_id": target.id if target else None},
    )


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One line of the user list."""

    id: int
    name: str
    email: str | None
    role: str
    scope: str
    team: str | None
    unit: str | None
    employee: str | None
    employee_name: str | None
    active: bool
    last_login_at: object


def staff_rows(session: Session, *, user_id: int | None = None) -> list[StaffRow]:
    """Every staff user (or one) with their team name, unit code and linked employee."""
    from cxm.org.models import Employee, OrgUnit, Team

    q = (
        select(
            StaffUser.id,
            StaffUser.name,
            StaffUser.email,
            StaffUser.role,
            StaffUser.scope,
            Team.name,
            OrgUnit.code,
            Employee.external_id,
            Employee.name,
            StaffUser.active,
            StaffUser.last_login_at,
        )
        .outerjoin(Team, Team.id == StaffUser.team_id)
        .outerjoin(OrgUnit, OrgUnit.id == StaffUser.unit_id)
        .outerjoin(Employee, Employee.staff_user_id == StaffUser.id)
        .order_by(StaffUser.active.desc(), StaffUser.name)
    )
    if user_id is not None:
        q = q.where(StaffUser.id == user_id)
    return [
        StaffRow(i, n, m, Role(r).value, Scope(s).value, t, u, e, en, bool(a), last)
        for i, n, m, r, s, t, u, e, en, a, last in session.execute(q)
    ]


def employees_to_link(session: Session) -> list[tuple[str, str]]:
    """(external id, label) of current employees, for the link picker."""
    from cxm.org.models import Employee

    rows = session.execute(
        select(Employee.external_id, Employee.name, Employee.job)
        .where(Employee.left_on.is_(None))
        .order_by(Employee.external_id)
        .limit(2000)
    )
    return [(e, " · ".join(x for x in (e, n, j) if x)) for e, n, j in rows]


def teams_and_units(session: Session) -> tuple[list[str], list[tuple[str, str]]]:
    """Team names and (unit code, name) for the scope pickers."""
    from cxm.org.models import OrgUnit, Team

    teams = list(session.scalars(select(Team.name).order_by(Team.name)))
    units = [
        (c, n)
        for c, n in session.execute(select(OrgUnit.code, OrgUnit.name).order_by(OrgUnit.code))
    ]
    return teams, units
