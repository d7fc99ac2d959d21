"""Service functions for staff accounts (keyword-only arguments, one session passed in)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxm.accounts.login_models import StaffSession
from cxm.accounts.models import ApiToken, Role, Scope, StaffUser
from cxm.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from cxm.audit.service import record, snapshot
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = [
    "DEFAULT_SCOPE",
    "IssuedToken",
    "authenticate",
    "create_token",
    "create_user",
    "end_sessions",
    "get_user",
    "hash_token",
    "list_tokens",
    "list_users",
    "revoke_token",
    "set_password",
    "update_user",
    "user_for_token",
]

_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,100}$")
TOKEN_PREFIX = "cxm_"  # noqa: S105 - the prefix of API tokens, not a secret
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new API token: ``secret`` is shown once and never stored."""

    id: int
    secret: str
    prefix: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            _("The password must have at least {n} characters.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > 1024:
        raise InputError(_("The password is too long (at most 1024 characters)."))


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(
            _(
                "Unknown role {role}: use one of {roles}.",
                role=str(role),
                roles=", ".join(r.value for r in Role),
            )
        ) from None


def _scope(scope: Scope | str | None, role: Role) -> Scope:
    if scope is None:
        return DEFAULT_SCOPE[role]
    try:
        return Scope(scope)
    except ValueError:
        raise InputError(
            _(
                "Unknown scope {scope}: use one of {scopes}.",
                scope=str(scope),
                scopes=", ".join(s.value for s in Scope),
            )
        ) from None


#: The scope a new user of each role gets when none is given.
DEFAULT_SCOPE: dict[Role, Scope] = {
    Role.ADMIN: Scope.ALL,
    Role.MANAGER: Scope.ALL,
    Role.ANALYST: Scope.ALL,
    Role.LEAD: Scope.TEAMS_LED,
    Role.AGENT: Scope.TEAM,
    Role.VIEWER: Scope.ALL,
    Role.SHOPPER: Scope.OWN,
}

_USER_FIELDS = ("name", "email", "role", "scope", "team_id", "unit_id", "active")


def _email(email: str | None) -> str | None:
    """The address trimmed, or None for none; a malformed one is refused, naming it."""
    from cxm.files.parsing import is_valid_email

    address = (email or "").strip()
    if not address:
        return None
    if not is_valid_email(address):
        raise InputError(
            _("Invalid e-mail address {email}: write it as name@example.com.", email=address)
        )
    return address


def _placement(
    session: Session, scope: Scope, team: str | None, unit: str | None, *, explicit: bool
) -> tuple[int | None, int | None]:
    """The team and unit ids a user's scope needs: a team for ``team``, a unit for ``unit``
    when the scope was asked for (a role's default scope may wait for its team)."""
    from cxm.org.models import OrgUnit, Team

    team_id = unit_id = None
    if team:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
        if team_id is None:
            raise InputError(_("Unknown team {team}: import the organisation first.", team=team))
    if unit:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit))
        if unit_id is None:
            raise InputError(
                _("Unknown org unit {unit}: import the organisation first.", unit=unit)
            )
    if explicit and scope is Scope.TEAM and team_id is None:
        raise InputError(_("Scope team needs a team (--team)."))
    if explicit and scope is Scope.UNIT and unit_id is None:
        raise InputError(_("Scope unit needs a region or branch (--unit)."))
    return team_id, unit_id


def create_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    password: str | None = None,
    password_hash: str | None = None,
    scope: Scope | str | None = None,
    team: str | None = None,
    unit: str | None = None,
    email: str | None = None,
    actor_id: int | None = None,
) -> StaffUser:
    """Add a staff member; ``name`` is their login (letters, digits, . _ @ -). Give the
    ``password``, or the argon2 ``password_hash`` of an account moved from elsewhere.
    ``scope`` defaults to the role's usual one (:data:`DEFAULT_SCOPE`); scope ``team`` needs
    a ``team`` name, scope ``unit`` an org unit code; ``email`` is where their set-password
    links are sent."""
    if not _NAME.match(name):
        raise InputError(
            _(
                "Invalid user name {name}: use 2 to 100 letters, digits or . _ @ -",
                name=name,
            )
        )
    the_role = _role(role)
    the_scope = _scope(scope, the_role)
    address = _email(email)
    if password_hash is None:
        if password is None:
            raise InputError(_("A new user needs a password."))
        _check_password(password)
        password_hash = hash_password(password)
    elif not password_hash.startswith("$argon2"):
        raise InputError(_("The password hash must be an argon2 hash ($argon2id$…)."))
    if session.scalar(select(StaffUser.id).where(StaffUser.name == name)) is not None:
        raise InputError(_("A user named {name} already exists.", name=name))
    team_id, unit_id = _placement(session, the_scope, team, unit, explicit=scope is not None)
    user = StaffUser(
        name=name,
        email=address,
        role=the_role,
        scope=the_scope,
        team_id=team_id,
        unit_id=unit_id,
        password_hash=password_hash,
        active=True,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="create",
        entity="staff_user",
        entity_id=user.id,
        after=snapshot(user, _USER_FIELDS),
    )
    return user


def _refuse_locking_oneself_out(
    session: Session,
    user: StaffUser,
    *,
    role: Role | str | None,
    scope: Scope | str | None,
    team: str | None,
    unit: str | None,
    active: bool | None,
) -> None:
    """An administrator changing her own account (the web pages, the API) may not give up
    the admin role, deactivate herself, or change her own scope, team or unit: narrowing
    one's scope takes rights away as surely as the role does. Values equal to the present
    ones (a form sends every field) change nothing and pass."""
    from cxm.org.models import OrgUnit, Team

    if role is not None and user.role is Role.ADMIN and _role(role) is not Role.ADMIN:
        raise InputError(
            _("You cannot take the admin role from yourself: ask another administrator.")
        )
    if active is False:
        raise InputError(_("You cannot deactivate your own account."))
    team_now = session.scalar(select(Team.name).where(Team.id == user.team_id))
    unit_now = session.scalar(select(OrgUnit.code).where(OrgUnit.id == user.unit_id))
    if (
        (scope is not None and _scope(scope, user.role) is not user.scope)
        or (team is not None and (team or None) != team_now)
        or (unit is not None and (unit or None) != unit_now)
    ):
        raise InputError(
            _("You cannot change your own scope, team or unit: ask another administrator.")
        )


def update_user(
    session: Session,
    *,
    name: str,
    role: Role | str | None = None,
    scope: Scope | str | None = None,
    team: str | None = None,
    unit: str | None = None,
    active: bool | None = None,
    email: str | None = None,
    actor_id: int | None = None,
) -> StaffUser:
    """Change a user's role, scope, team, unit, e-mail address ("" removes it) or active
    flag (what is given); audited. Made by the user herself (``actor_id`` hers), it may not
    take her rights away (:func:`_refuse_locking_oneself_out`)."""
    user = get_user(session, name=name)
    if actor_id is not None and actor_id == user.id:
        _refuse_locking_oneself_out(
            session, user, role=role, scope=scope, team=team, unit=unit, active=active
        )
    before = snapshot(user, _USER_FIELDS)
    if email is not None:
        user.email = _email(email)
    if role is not None:
        user.role = _role(role)
    if scope is not None:
        user.scope = _scope(scope, user.role)
    if team is not None or unit is not None or scope is not None:
        team_id, unit_id = _placement(session, user.scope, team, unit, explicit=scope is not None)
        if team is not None:
            user.team_id = team_id
        if unit is not None:
            user.unit_id = unit_id
    if active is not None:
        user.active = active
        if not active:  # every session of theirs ends now (a reactivation revives none)
            end_sessions(session, user_id=user.id, reason="deactivated")
    session.flush()
    after = snapshot(user, _USER_FIELDS)
    if after != before:
        record(
            session,
            actor_id=actor_id,
            action="update",
            entity="staff_user",
            entity_id=user.id,
            before=before,
            after=after,
        )
    return user


def get_user(session: Session, *, name: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.name == name))
    if user is None:
        raise NotFound(_("No user named {name}.", name=name))
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


def set_password(
    session: Session, *, name: str, password: str, actor_id: int | None = None
) -> None:
    _check_password(password)
    user = get_user(session, name=name)
    user.password_hash = hash_password(password)
    # The hash stays out of the log: only the fact of the change is kept.
    record(
        session, actor_id=actor_id, action="set_password", entity="staff_user", entity_id=user.id
    )


def authenticate(session: Session, *, name: str, password: str) -> StaffUser | None:
    """The active user with this name and password, or None (same work either way)."""
    user = session.scalar(select(StaffUser).where(StaffUser.name == name))
    if user is None or len(password) > 1024:
        verify_password(dummy_hash(), password[:1024])
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def create_token(
    session: Session, *, name: str, label: str = "", actor_id: int | None = None
) -> IssuedToken:
    """Issue an API token for user ``name``; only its hash is stored."""
    user = get_user(session, name=name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, token_hash=hash_token(secret), prefix=secret[:12], label=label[:100]
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        action="create",
        entity="api_token",
        entity_id=token.id,
        after={"user_id": user.id, "prefix": token.prefix, "label": token.label},
    )
    return IssuedToken(id=token.id, secret=secret, prefix=token.prefix)


def list_tokens(session: Session, *, name: str) -> list[ApiToken]:
    user = get_user(session, name=name)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def revoke_token(session: Session, *, token_id: int, actor_id: int | None = None) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No API token with id {id}.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(
            session,
            actor_id=actor_id,
            action="revoke",
            entity="api_token",
            entity_id=token.id,
            before={"user_id": token.user_id, "revoked_at": None},
            after={"user_id": token.user_id, "revoked_at": token.revoked_at},
        )


def user_for_token(session: Session, *, secret: str) -> StaffUser | None:
    """The active user a live token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # Written at most once a minute: a write per API call would serialise readers on SQLite.
    last = token.last_used_at
    if last is None or (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))) > _MINUTE:
        token.last_used_at = now
    return token.user


def end_sessions(session: Session, *, user_id: int, reason: str) -> int:
    """End every live session of the user; returns how many (here, below the sessions
    module, because deactivating a user ends them too)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:32])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
