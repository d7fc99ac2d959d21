"""Service functions for staff accounts (keyword-only arguments, one session passed in)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.accounts.models import ApiToken, Role, StaffUser
from cxm.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = [
    "IssuedToken",
    "authenticate",
    "create_token",
    "create_user",
    "get_user",
    "hash_token",
    "list_tokens",
    "list_users",
    "revoke_token",
    "set_password",
    "user_for_token",
]

_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,100}$")
TOKEN_PREFIX = "cxm_"
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
            _("Unknown role {role}: use admin, analyst or agent.", role=str(role))
        ) from None


def create_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    password: str | None = None,
    password_hash: str | None = None,
) -> StaffUser:
    """Add a staff member; ``name`` is their login (letters, digits, . _ @ -). Give the
    ``password``, or the argon2 ``password_hash`` of an account moved from elsewhere."""
    if not _NAME.match(name):
        raise InputError(
            _(
                "Invalid user name {name}: use 2 to 100 letters, digits or . _ @ -",
                name=name,
            )
        )
    the_role = _role(role)
    if password_hash is None:
        if password is None:
            raise InputError(_("A new user needs a password."))
        _check_password(password)
        password_hash = hash_password(password)
    elif not password_hash.startswith("$argon2"):
        raise InputError(_("The password hash must be an argon2 hash ($argon2id$…)."))
    if session.scalar(select(StaffUser.id).where(StaffUser.name == name)) is not None:
        raise InputError(_("A user named {name} already exists.", name=name))
    user = StaffUser(name=name, role=the_role, password_hash=password_hash, active=True)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, name: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.name == name))
    if user is None:
        raise NotFound(_("No user named {name}.", name=name))
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


def set_password(session: Session, *, name: str, password: str) -> None:
    _check_password(password)
    get_user(session, name=name).password_hash = hash_password(password)


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


def create_token(session: Session, *, name: str, label: str = "") -> IssuedToken:
    """Issue an API token for user ``name``; only its hash is stored."""
    user = get_user(session, name=name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, token_hash=hash_token(secret), prefix=secret[:12], label=label[:100]
    )
    session.add(token)
    session.flush()
    return IssuedToken(id=token.id, secret=secret, prefix=token.prefix)


def list_tokens(session: Session, *, name: str) -> list[ApiToken]:
    user = get_user(session, name=name)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def revoke_token(session: Session, *, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No API token with id {id}.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()


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
