"""Invitation links: unguessable tokens, stored only as hashes, expiring, one answer page
for every bad link."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from cxm.store import Store
from cxm.store.base import utcnow
from cxm.surveys.invitations import LinkInvalid, issue_links, resolve_link
from cxm.surveys.models import Invitation, InvitationLink
from cxm.surveys.tokens import TOKEN_BYTES, hash_token, new_token
from tests.survey_factories import wave_with_links


def test_tokens_carry_at_least_128_random_bits() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert TOKEN_BYTES * 8 >= 128
    # Each of the 64 URL-safe characters is about equally frequent (no structure).
    counts = Counter("".join(tokens))
    assert len(counts) == 64
    expected = sum(counts.values()) / 64
    assert max(abs(c - expected) / math.sqrt(expected) for c in counts.values()) < 6


def test_only_the_hash_is_stored(store: Store) -> None:
    _wave, tokens = wave_with_links(store, customers=3)
    with store.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("survey_invitations", "survey_invitation_links", "survey_waves")
            for row in conn.execute(text(f"SELECT * FROM {table}"))  # noqa: S608 - our tables
        )
    for token in tokens:
        assert token not in dump
        assert hash_token(token) in dump


def test_a_link_resolves_to_its_invitation_until_it_expires(store: Store) -> None:
    _wave, tokens = wave_with_links(store, customers=2)
    with store.session() as s:
        inv = resolve_link(s, token=tokens[0])
        assert resolve_link(s, token=tokens[1]).id != inv.id
        later = utcnow() + timedelta(days=400)
        with pytest.raises(LinkInvalid):
            resolve_link(s, token=tokens[0], now=later)


@pytest.mark.parametrize("token", ["", "x", "a" * 32, "../../etc/passwd", "' OR 1=1 --", "é" * 40])
def test_bad_tokens_all_get_the_same_answer(store: Store, token: str) -> None:
    wave_with_links(store, customers=1)
    with store.session() as s, pytest.raises(LinkInvalid) as info:
        resolve_link(s, token=token)
    assert info.value.message == LinkInvalid().message


def test_every_issue_mints_a_new_link_and_old_ones_keep_working(store: Store) -> None:
    _wave, tokens = wave_with_links(store, customers=1)
    with store.session() as s:
        inv_id = s.scalar(select(Invitation.id))
        again = issue_links(s, invitation_ids=[inv_id])[inv_id]  # type: ignore[list-item,index]
        assert again != tokens[0]
        assert resolve_link(s, token=again).id == resolve_link(s, token=tokens[0]).id == inv_id
        assert len(s.scalars(select(InvitationLink)).all()) == 2
