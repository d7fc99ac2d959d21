"""Server-side page sessions and known devices.

The session cookie (signed) carries a random session id; the database keeps its SHA-256
in ``staff_sessions``. A session is live while its row is not ended: signing out, a
password change and deactivation end every session of the user at once, in every worker.
A known device is a browser that once signed in to an account: it gets a long-lived
``cxm_device`` cookie whose hash is kept, so that its sign-ins are throttled apart from
everyone else's (see :mod:`cxm.accounts.throttle`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.accounts.login_models import KnownDevice, StaffSession
from cxm.accounts.models import StaffUser
from cxm.accounts.service import end_sessions, get_user
from cxm.accounts.service import set_password as _set_password
from cxm.accounts.throttle import AttemptKeys, record_attempt
from cxm.store.base import utcnow

__all__ = [
    "deactivate_user",
    "device_for",
    "end_sessions",
    "live_session",
    "remember_device",
    "reset_password",
    "start_session",
]

_TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, user: StaffUser, client: str) -> str:
    """A new session of ``user``; returns its id for the cookie (only its hash is kept)."""
    sid = secrets.token_urlsafe(32)
    session.add(StaffSession(user_id=user.id, token_hash=_hash(sid), client=client[:64]))
    session.flush()
    return sid


def live_session(session: Session, *, sid: object, user_id: int) -> bool:
    """True when ``sid`` names a session of ``user_id`` that has not been ended."""
    if not isinstance(sid, str) or len(sid) > 100:
        return False
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(sid)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    now = utcnow()
    seen = row.last_seen_at
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=now.tzinfo)
    if now - seen > _TOUCH_EVERY:  # written at most once a minute per session
        row.last_seen_at = now
    return True


def remember_device(session: Session, *, user: StaffUser) -> str:
    """A new known-device token for ``user`` (for the cookie; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(KnownDevice(user_id=user.id, token_hash=_hash(token)))
    session.flush()
    return token


def device_for(session: Session, *, token: object, account: str) -> str | None:
    """The hash of ``token`` when it is a known device of the account named ``account``."""
    if not isinstance(token, str) or len(token) > 100:
        return None
    digest = _hash(token)
    row = session.execute(
        select(KnownDevice.id, StaffUser.name)
        .join(StaffUser, StaffUser.id == KnownDevice.user_id)
        .where(KnownDevice.token_hash == digest)
    ).first()
    if row is None or row.name.lower() != account.strip().lower():
        return None
    return digest


def reset_password(session: Session, *, name: str, password: str) -> None:
    """Set a new password: every session ends, and the account's failed sign-ins from
    unknown devices stop counting (the real user gets in with the new password)."""
    _set_password(session, name=name, password=password)
    user = get_user(session, name=name)
    end_sessions(session, user_id=user.id, reason="password_changed")
    record_attempt(session, AttemptKeys.of(name, "-"), ok=True, reason="password_reset")


def deactivate_user(session: Session, *, name: str) -> None:
    """The user can no longer sign in or use API tokens; their sessions end now."""
    user = get_user(session, name=name)
    user.active = False
    end_sessions(session, user_id=user.id, reason="deactivated")
