"""Optional TOTP second factor (RFC 6238, via pyotp) for staff accounts.

Set up in two steps: :func:`begin_totp` makes a secret and returns its ``otpauth://`` URI
(for the authenticator app); :func:`enable_totp` turns it on once a first code matches.
From then on, signing in needs a current code; each code is accepted once (replay of an
observed code fails). The secret is encrypted with CXM_DATA_KEY when that is set.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from cxm.accounts.login_models import StaffTotp
from cxm.accounts.models import StaffUser
from cxm.crypto import PREFIXES, DataKey
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store.base import utcnow

__all__ = ["begin_totp", "disable_totp", "enable_totp", "totp_required", "verify_totp"]

ISSUER = "CXM"
STEP = 30


def _key() -> DataKey | None:
    from cxm.config import load_settings

    settings = load_settings()
    value = settings.data_key.get_secret_value()
    previous = settings.data_key_previous.get_secret_value()
    return DataKey.from_setting(value, previous) if value else None


def _seal(user_id: int, secret: str) -> str:
    key = _key()
    return key.encrypt(secret, context=f"totp:{user_id}") if key else secret


def _open(user_id: int, stored: str) -> str:
    if stored.startswith(PREFIXES):
        key = _key()
        if key is None:
            raise InputError(_("The TOTP secret is encrypted but CXM_DATA_KEY is not set."))
        return str(key.decrypt(stored, context=f"totp:{user_id}"))
    return stored


def begin_totp(session: Session, *, user: StaffUser) -> str:
    """A new (not yet enabled) secret for ``user``; returns the provisioning URI."""
    import pyotp

    secret = pyotp.random_base32()
    row = session.get(StaffTotp, user.id)
    if row is None:
        row = StaffTotp(user_id=user.id, secret="", last_step=0)
        session.add(row)
    row.secret = _seal(user.id, secret)
    row.enabled_at = None
    row.last_step = 0
    session.flush()
    return str(pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=ISSUER))


def _check(row: StaffTotp, code: str, *, at: float | None = None) -> int | None:
    """The time step ``code`` is valid for (this one or the one before/after), or None."""
    import pyotp

    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(_open(row.user_id, row.secret))
    now = time.time() if at is None else at
    step = int(now // STEP)
    for candidate in (step, step - 1, step + 1):
        if candidate > row.last_step and totp.verify(code, for_time=candidate * STEP):
            return candidate
    return None


def enable_totp(session: Session, *, user: StaffUser, code: str) -> None:
    row = session.get(StaffTotp, user.id)
    if row is None:
        raise InputError(_("Start the set-up first (it shows the secret to scan)."))
    step = _check(row, code)
    if step is None:
        raise InputError(_("The code does not match: check the phone's clock and try again."))
    row.last_step = step
    row.enabled_at = utcnow()


def disable_totp(session: Session, *, user: StaffUser) -> None:
    row = session.get(StaffTotp, user.id)
    if row is not None:
        session.delete(row)


def totp_required(session: Session, *, user: StaffUser) -> bool:
    row = session.get(StaffTotp, user.id)
    return row is not None and row.enabled_at is not None


def verify_totp(session: Session, *, user: StaffUser, code: str, at: float | None = None) -> bool:
    """True (and the code used up) when ``code`` is current for the user's enabled TOTP."""
    row = session.get(StaffTotp, user.id)
    if row is None or row.enabled_at is None:
        return False
    step = _check(row, code, at=at)
    if step is None:
        return False
    row.last_step = step
    return True
