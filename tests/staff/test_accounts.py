"""Staff accounts: argon2id hashes, hashed tokens, clear errors for bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxm.accounts import authenticate, create_token, create_user, revoke_token, user_for_token
from cxm.accounts.models import ApiToken, StaffUser
from cxm.errors import InputError


def test_passwords_are_stored_as_argon2id_hashes(store) -> None:
    with store.session() as s:
        create_user(s, name="alice", role="admin", password="correct horse battery")
    with store.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.name == "alice"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$v=19$")
        assert "correct horse" not in user.password_hash
        assert authenticate(s, name="alice", password="correct horse battery") is user
        assert authenticate(s, name="alice", password="wrong horse battery") is None
        assert authenticate(s, name="nobody", password="correct horse battery") is None


def test_tokens_are_stored_hashed_and_can_be_revoked(store, password_hash) -> None:
    with store.session() as s:
        create_user(s, name="bob", role="analyst", password_hash=password_hash)
        issued = create_token(s, name="bob")
    assert len(issued.secret) > 40
    with store.session() as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
        assert issued.secret not in stored and len(stored[0]) == 64
        assert user_for_token(s, secret=issued.secret).name == "bob"  # type: ignore[union-attr]
        revoke_token(s, token_id=issued.id)
    with store.session() as s:
        assert user_for_token(s, secret=issued.secret) is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("a", "admin", "long enough pw", "Invalid user name"),
        ("bob smith", "admin", "long enough pw", "Invalid user name"),
        ("bob", "root", "long enough pw", "Unknown role"),
        ("bob", "admin", "short", "at least 10"),
    ],
)
def test_bad_accounts_are_refused_clearly(store, name, role, password, message) -> None:
    with store.session() as s, pytest.raises(InputError, match=message):
        create_user(s, name=name, role=role, password=password)
