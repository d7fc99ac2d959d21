"""Sign-in throttling, shared by every worker because it reads the database.

Each attempt is a row of ``login_attempts`` (which is also the sign-in audit). Before a
password is checked, the failures that count against this attempt give a wait:

- from a **known device** (a browser holding a ``cxm_device`` cookie from an earlier
  sign-in to this account): only that device's own failures count. An attacker elsewhere,
  however many times they fail, cannot lock the real user out of their own browser;
- otherwise, the account's failures from unknown devices since its last password reset
  or successful sign-in from an unknown device, and the client address's failures, count separately.

Each key may fail ``free`` times in :data:`WINDOW`; then every further failure doubles the
wait (30 s, 60 s, 120 s … at most :data:`MAX_WAIT`), counted from that key's last failure.
Attempts refused by the throttle are recorded but do not lengthen the wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cxm.accounts.login_models import LoginAttempt
from cxm.store.base import utcnow

__all__ = [
    "FAILED",
    "MAX_WAIT",
    "WINDOW",
    "AttemptKeys",
    "backoff_seconds",
    "failure_reason",
    "record_attempt",
    "retry_after",
]

WINDOW = timedelta(minutes=15)
FIRST_WAIT = 30.0
MAX_WAIT = 900.0
FREE_ACCOUNT = 5
FREE_CLIENT = 20  # many people may share one address (an office behind NAT)
FREE_DEVICE = 10
#: Reasons that count as failures (``throttled`` does not: it would punish waiting).
FAILED = ("bad_password", "unknown_user", "inactive", "bad_code")


@dataclass(frozen=True, slots=True)
class AttemptKeys:
    account: str
    client: str
    #: SHA-256 of a known-device token valid for this account, else None.
    device: str | None = None

    @classmethod
    def of(cls, name: str, client: str, device: str | None = None) -> AttemptKeys:
        return cls(name.strip().lower()[:200], client[:64], device)


def backoff_seconds(failures: int, free: int) -> float:
    """Seconds to wait after ``failures`` failures when ``free`` are allowed."""
    if failures < free:
        return 0.0
    return min(MAX_WAIT, FIRST_WAIT * 2.0 ** (failures - free))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _wait(session: Session, where: object, since: datetime, free: int, now: datetime) -> float:
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            where,  # type: ignore[arg-type]
            LoginAttempt.reason.in_(FAILED),
            LoginAttempt.at > since,
        )
    ).one()
    if not count or last is None:
        return 0.0
    return backoff_seconds(int(count), free) - (now - _aware(last)).total_seconds()


def retry_after(session: Session, keys: AttemptKeys, *, now: datetime | None = None) -> int:
    """Whole seconds before this attempt may be tried (0: now)."""
    now = now or utcnow()
    since = now - WINDOW
    if keys.device is not None:
        wait = _wait(session, LoginAttempt.device == keys.device, since, FREE_DEVICE, now)
        return math.ceil(wait) if wait > 0 else 0
    # A sign-in from a known device does not reset the count: the attack goes on.
    fresh = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.account == keys.account,
            or_(
                LoginAttempt.reason == "password_reset",
                and_(LoginAttempt.reason == "ok", LoginAttempt.device.is_(None)),
            ),
        )
    )
    account_since = max(since, _aware(fresh)) if fresh is not None else since
    wait = max(
        _wait(
            session,
            and_(LoginAttempt.account == keys.account, LoginAttempt.device.is_(None)),
            account_since,
            FREE_ACCOUNT,
            now,
        ),
        _wait(session, LoginAttempt.client == keys.client, since, FREE_CLIENT, now),
    )
    return math.ceil(wait) if wait > 0 else 0


def record_attempt(session: Session, keys: AttemptKeys, *, ok: bool, reason: str) -> None:
    session.add(
        LoginAttempt(
            account=keys.account,
            client=keys.client,
            device=keys.device,
            ok=ok,
            reason=reason,
            at=utcnow(),
        )
    )
    session.flush()


def failure_reason(session: Session, *, name: str) -> str:
    """Why a sign-in as ``name`` failed, for the audit (never shown to the client)."""
    from cxm.accounts.models import StaffUser

    active = session.scalar(select(StaffUser.active).where(StaffUser.name == name))
    if active is None:
        return "unknown_user"
    return "bad_password" if active else "inactive"
