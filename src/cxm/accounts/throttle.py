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

With ``CXM_REDIS_URL`` set, the failures are also counted in Redis (:class:`RedisCounts`)
and the wait is read from there; the database keeps the record and the resets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cxm.accounts.login_models import LoginAttempt
from cxm.errors import ConfigError
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = [
    "FAILED",
    "MAX_WAIT",
    "WINDOW",
    "AttemptKeys",
    "RedisCounts",
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


def _fresh_start(session: Session, account: str) -> datetime | None:
    # A sign-in from a known device does not reset the count: the attack goes on.
    fresh = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.account == account,
            or_(
                LoginAttempt.reason == "password_reset",
                and_(LoginAttempt.reason == "ok", LoginAttempt.device.is_(None)),
            ),
        )
    )
    return _aware(fresh) if fresh is not None else None


def retry_after(
    session: Session,
    keys: AttemptKeys,
    *,
    now: datetime | None = None,
    counts: RedisCounts | None = None,
) -> int:
    """Whole seconds before this attempt may be tried (0: now). With ``counts`` the
    failures are counted in Redis; password resets still come from the database."""
    now = now or utcnow()
    since = now - WINDOW
    if keys.device is not None:
        if counts is not None:
            wait = counts.wait("device:" + keys.device, since, FREE_DEVICE, now)
        else:
            wait = _wait(session, LoginAttempt.device == keys.device, since, FREE_DEVICE, now)
        return math.ceil(wait) if wait > 0 else 0
    fresh = _fresh_start(session, keys.account)
    account_since = max(since, fresh) if fresh is not None else since
    if counts is not None:
        wait = max(
            counts.wait("account:" + keys.account, account_since, FREE_ACCOUNT, now),
            counts.wait("client:" + keys.client, since, FREE_CLIENT, now),
        )
        return math.ceil(wait) if wait > 0 else 0
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


class RedisCounts:
    """Failure counts in Redis (``CXM_REDIS_URL``): one sorted set of failure times per
    key, expiring with the window. The database still records every attempt (the audit)
    and the password resets; Redis spares it the counting queries of every sign-in."""

    PREFIX = "cxm:login-failures:"

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigError(
                _(
                    "CXM_REDIS_URL is set but the redis package is missing: "
                    "pip install 'cxm[redis]'."
                )
            ) from None
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def failed(self, keys: AttemptKeys, at: datetime) -> None:
        import uuid

        names = ["client:" + keys.client]
        names.append("device:" + keys.device if keys.device else "account:" + keys.account)
        pipe = self.redis.pipeline()
        for name in names:
            pipe.zadd(self.PREFIX + name, {uuid.uuid4().hex: at.timestamp()})
            pipe.zremrangebyscore(self.PREFIX + name, "-inf", (at - WINDOW).timestamp())
            pipe.expire(self.PREFIX + name, int(WINDOW.total_seconds()) + 60)
        pipe.execute()

    def wait(self, name: str, since: datetime, free: int, now: datetime) -> float:
        key = self.PREFIX + name
        count = int(self.redis.zcount(key, f"({since.timestamp()}", "+inf"))
        if not count:
            return 0.0
        last = self.redis.zrevrange(key, 0, 0, withscores=True)
        last_at = float(last[0][1]) if last else now.timestamp()
        return backoff_seconds(count, free) - (now.timestamp() - last_at)


def record_attempt(
    session: Session,
    keys: AttemptKeys,
    *,
    ok: bool,
    reason: str,
    counts: RedisCounts | None = None,
) -> None:
    at = utcnow()
    session.add(
        LoginAttempt(
            account=keys.account,
            client=keys.client,
            device=keys.device,
            ok=ok,
            reason=reason,
            at=at,
        )
    )
    session.flush()
    if counts is not None and reason in FAILED:
        counts.failed(keys, at)


def failure_reason(session: Session, *, name: str) -> str:
    """Why a sign-in as ``name`` failed, for the audit (never shown to the client)."""
    from cxm.accounts.models import StaffUser

    active = session.scalar(select(StaffUser.active).where(StaffUser.name == name))
    if active is None:
        return "unknown_user"
    return "bad_password" if active else "inactive"
