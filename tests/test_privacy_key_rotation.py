"""Key rotation of the encrypted identity numbers and TOTP secrets: with the new key in
CXM_DATA_KEY and the old one in CXM_DATA_KEY_PREVIOUS, every value is still read and found
while ``cxm privacy rotate-key`` re-encrypts it under the new key; afterwards the new key
alone reads everything and the old one nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from sqlalchemy import select

from cxm.accounts.login_models import StaffTotp
from cxm.accounts.models import StaffUser
from cxm.accounts.service import create_user
from cxm.accounts.totp import begin_totp, enable_totp, verify_totp
from cxm.crypto import DataKey
from cxm.customers.models import Customer
from cxm.errors import ConfigError
from cxm.privacy.models import IdentityNumber, PrivacyLogEntry
from cxm.privacy.numbers import customers_with_number, read_numbers, set_number
from cxm.privacy.rotation import rotate_key
from cxm.store import Store

OLD_TEXT = base64.b64encode(bytes(range(32))).decode()
NEW_TEXT = base64.b64encode(bytes(range(100, 132))).decode()
OLD = DataKey.from_setting(OLD_TEXT)
NEW = DataKey.from_setting(NEW_TEXT)
ROTATING = DataKey.from_setting(NEW_TEXT, OLD_TEXT)
ID_CARD = "11010519491231002X"  # a valid check digit (GB 11643-1999 worked example)
BANK_CARD = "4111111111111111"  # the published Visa test number (passes Luhn)


def _customers(store: Store) -> tuple[int, int]:
    with store.session() as s:
        a, b = Customer(external_id="R1", name="张三"), Customer(external_id="R2", name="李四")
        s.add_all([a, b])
        s.flush()
        set_number(s, key=OLD, customer_id=a.id, kind="id_card", number=ID_CARD)
        set_number(s, key=OLD, customer_id=b.id, kind="bank_card", number=BANK_CARD)
        return a.id, b.id


def test_rotation_reseals_every_number_and_the_old_key_is_accepted_meanwhile(
    store: Store,
) -> None:
    a, b = _customers(store)
    with store.session() as s:
        before = {r.id: (r.ciphertext, r.lookup_hash) for r in s.scalars(select(IdentityNumber))}
        # The new key alone cannot read what the old one sealed …
        with pytest.raises(ConfigError, match="CXM_DATA_KEY_PREVIOUS"):
            read_numbers(s, key=NEW, customer_id=a)
        assert customers_with_number(s, key=NEW, kind="id_card", number=ID_CARD) == []
        # … with the old one as previous, everything is read and found.
        assert read_numbers(s, key=ROTATING, customer_id=a) == {"id_card": ID_CARD}
        assert customers_with_number(s, key=ROTATING, kind="id_card", number=ID_CARD) == [a]
        # A number stored during the rotation is sealed under the new key.
        set_number(s, key=ROTATING, customer_id=a, kind="bank_card", number=BANK_CARD)
        assert sorted(
            customers_with_number(s, key=ROTATING, kind="bank_card", number=BANK_CARD)
        ) == [a, b]

    with store.session() as s:
        report = rotate_key(s, key=ROTATING, done_by="test")
    assert (report.numbers, report.unchanged, report.key_id) == (2, 1, NEW.key_id)
    with store.session() as s:
        rows = list(s.scalars(select(IdentityNumber).order_by(IdentityNumber.id)))
        assert all(r.ciphertext.startswith(f"v2:{NEW.key_id}:") for r in rows)
        assert all((r.ciphertext, r.lookup_hash) != before.get(r.id) for r in rows)
        # The new key alone now reads and finds everything; the old one nothing.
        assert read_numbers(s, key=NEW, customer_id=a) == {
            "id_card": ID_CARD,
            "bank_card": BANK_CARD,
        }
        assert read_numbers(s, key=NEW, customer_id=b) == {"bank_card": BANK_CARD}
        assert customers_with_number(s, key=NEW, kind="id_card", number=ID_CARD) == [a]
        assert sorted(customers_with_number(s, key=NEW, kind="bank_card", number=BANK_CARD)) == [
            a,
            b,
        ]
        with pytest.raises(ConfigError):
            read_numbers(s, key=OLD, customer_id=b)
        assert customers_with_number(s, key=OLD, kind="id_card", number=ID_CARD) == []
        entry = s.scalars(
            select(PrivacyLogEntry).where(PrivacyLogEntry.action == "rotate-key")
        ).one()
        assert entry.report["numbers"] == 2 and ID_CARD not in json.dumps(entry.report)
    with store.session() as s:  # again: nothing left to re-seal
        again = rotate_key(s, key=NEW, done_by="test")
    assert (again.numbers, again.totp_secrets, again.unchanged) == (0, 0, 3)


def test_a_failed_rotation_changes_nothing(store: Store) -> None:
    """A value sealed by a key that is not offered stops the rotation, which then leaves
    every value as it was (one transaction)."""
    _customers(store)
    with store.session() as s:
        before = sorted((r.id, r.ciphertext) for r in s.scalars(select(IdentityNumber)))
    stranger = base64.b64encode(bytes(32)).decode()  # neither the old key nor the new
    with pytest.raises(ConfigError), store.session() as s:
        rotate_key(s, key=DataKey.from_setting(NEW_TEXT, stranger), done_by="test")
    with store.session() as s:
        assert sorted((r.id, r.ciphertext) for r in s.scalars(select(IdentityNumber))) == before
        assert s.scalars(select(PrivacyLogEntry)).all() == []


def test_totp_secrets_rotate_and_sign_in_keeps_working(  # type: ignore[no-untyped-def]
    cxm, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager's TOTP secret sealed with the old key: codes still verify during and after
    the rotation, which the CLI runs (`cxm privacy rotate-key --json`)."""
    from cxm.config import load_settings

    def use(key: str, previous: str = "") -> None:
        monkeypatch.setenv("CXM_DATA_KEY", key)
        monkeypatch.setenv("CXM_DATA_KEY_PREVIOUS", previous)
        if hasattr(load_settings, "cache_clear"):
            load_settings.cache_clear()

    use(OLD_TEXT)
    _customers(store)
    with store.session() as s:
        user = create_user(s, name="mgr.wang", role="manager", password="a long pass phrase 1")
        uri = begin_totp(s, user=user)
        secret = parse_qs(urlparse(uri).query)["secret"][0]
        totp = pyotp.TOTP(secret)
        enable_totp(s, user=user, code=totp.now())
        user_id = user.id
        sealed = s.get(StaffTotp, user_id).secret  # type: ignore[union-attr]
    assert sealed.startswith(f"v2:{OLD.key_id}:") and secret not in sealed

    use(NEW_TEXT, OLD_TEXT)
    done = cxm("privacy", "rotate-key", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {
        "key_id": NEW.key_id,
        "numbers": 2,
        "totp_secrets": 1,
        "unchanged": 0,
    }
    use(NEW_TEXT)  # the old key removed
    with store.session() as s:
        row = s.get(StaffTotp, user_id)
        assert row is not None and row.secret.startswith(f"v2:{NEW.key_id}:")
        again = s.get(StaffUser, user_id)
        assert again is not None
        later = time.time() + 30  # the next step: the enabling code is used up
        assert verify_totp(s, user=again, code=pyotp.TOTP(secret).at(later), at=later)
    done = cxm("privacy", "rotate-key")
    assert done.exit_code == 0 and "0 identity numbers, 0 TOTP secrets; 3 already" in done.stdout


def test_values_sealed_before_key_ids_existed_are_read_and_resealed(store: Store) -> None:
    """A ``v1:`` value (no key id: written before rotation existed) is opened by trying
    each accepted key, and the rotation re-seals it in the current format."""
    a, _b = _customers(store)
    with store.session() as s:
        row = s.scalars(select(IdentityNumber).where(IdentityNumber.customer_id == a)).one()
        row.ciphertext = "v1:" + row.ciphertext.split(":", 2)[2]  # as the old format wrote it
        s.flush()
        assert read_numbers(s, key=ROTATING, customer_id=a) == {"id_card": ID_CARD}
        assert rotate_key(s, key=ROTATING, done_by="test").numbers == 2
        assert row.ciphertext.startswith(f"v2:{NEW.key_id}:")
        assert read_numbers(s, key=NEW, customer_id=a) == {"id_card": ID_CARD}
