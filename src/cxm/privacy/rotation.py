"""Key rotation: every value sealed with an earlier data key is re-sealed under the
current ``CXM_DATA_KEY`` — identity numbers (with their look-up hash recomputed) and the
staff's TOTP secrets — in one transaction, so a failure leaves every value as it was.

While it runs, and until it has, the earlier key stays in ``CXM_DATA_KEY_PREVIOUS``: values
are read under whichever key sealed them and found by the hash of every accepted key (see
:mod:`cxm.crypto`). Running it again re-seals nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.crypto import PREFIXES, DataKey
from cxm.privacy.log import log_action
from cxm.privacy.models import IdentityNumber

__all__ = ["RotationReport", "rotate_key"]

#: ``progress(done, total)`` after each value.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RotationReport:
    key_id: str
    #: Identity numbers re-sealed under the current key.
    numbers: int
    #: TOTP secrets re-sealed (or sealed for the first time, if stored plain).
    totp_secrets: int
    #: Values already sealed under the current key, left as they were.
    unchanged: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rotate_key(
    session: Session, *, key: DataKey, done_by: str, progress: Progress | None = None
) -> RotationReport:
    """Re-seal every value not yet under ``key`` (see the module notes); logged."""
    from cxm.accounts.login_models import StaffTotp
    from cxm.privacy.numbers import NumberKind, number_context

    total = int(session.scalar(select(func.count()).select_from(IdentityNumber)) or 0)
    total += int(session.scalar(select(func.count()).select_from(StaffTotp)) or 0)
    done = numbers = secrets = unchanged = 0
    for row in session.scalars(select(IdentityNumber).order_by(IdentityNumber.id)):
        done += 1
        if key.is_current(row.ciphertext):
            unchanged += 1
        else:
            context = number_context(row.customer_id, NumberKind(row.kind))
            plain = key.decrypt(row.ciphertext, context=context)
            row.ciphertext = key.encrypt(plain, context=context)
            row.lookup_hash = key.lookup_hash(f"{row.kind}:{plain}")
            numbers += 1
        if progress is not None:
            progress(done, total)
    for totp in session.scalars(select(StaffTotp).order_by(StaffTotp.user_id)):
        done += 1
        if key.is_current(totp.secret):
            unchanged += 1
        else:
            context = f"totp:{totp.user_id}"
            plain = (
                key.decrypt(totp.secret, context=context)
                if totp.secret.startswith(PREFIXES)
                else totp.secret
            )
            totp.secret = key.encrypt(plain, context=context)
            secrets += 1
        if progress is not None:
            progress(done, total)
    session.flush()
    report = RotationReport(key.key_id, numbers, secrets, unchanged)
    log_action(
        session, action="rotate-key", customer_id=None, done_by=done_by, report=report.as_dict()
    )
    return report
