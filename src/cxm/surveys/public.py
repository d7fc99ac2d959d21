"""A wave's public (open) link: anyone holding it gets an invitation of their own, with a
rate limit per client and, optionally, one invitation per browser (a cookie)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.errors import CXMError
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.invitations import LinkInvalid, issue_links, resolve_link
from cxm.surveys.models import Invitation, InvitationKind, InvitationStatus, Wave
from cxm.surveys.tokens import hash_token, looks_like_token
from cxm.surveys.waves import wave_expiry

__all__ = ["PublicOpen", "TooManyRequests", "open_public_link"]

RATE_WINDOW = timedelta(hours=1)


class TooManyRequests(CXMError):
    status = 429
    code = "rate_limited"

    def __init__(self) -> None:
        super().__init__(_("Too many surveys started from your connection. Please try later."))


@dataclass(frozen=True, slots=True)
class PublicOpen:
    #: The personal token to continue with (new, or the browser's earlier one).
    token: str
    wave_id: int
    one_per_browser: bool
    completed: bool = False


def open_public_link(
    session: Session,
    *,
    public_token: str,
    client_key: str,
    browser_token: str | None = None,
    now: datetime | None = None,
) -> PublicOpen:
    """Give the holder of a wave's public link a personal invitation.

    ``client_key`` is a keyed hash of the client's address (never the address itself);
    ``browser_token`` is the personal token remembered in the browser's cookie, if any.
    """
    now = now or utcnow()
    if not looks_like_token(public_token):
        raise LinkInvalid()
    wave = session.scalar(select(Wave).where(Wave.public_token_hash == hash_token(public_token)))
    if wave is None or not wave.opens_on <= now.date() <= wave.closes_on:
        raise LinkInvalid()
    if wave.public_one_per_browser and browser_token:
        try:
            earlier = resolve_link(session, token=browser_token, now=now)
        except LinkInvalid:
            earlier = None
        if earlier is not None and earlier.wave_id == wave.id:
            done = earlier.status == InvitationStatus.COMPLETED
            return PublicOpen(browser_token, wave.id, True, completed=done)
    recent = session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.wave_id == wave.id,
            Invitation.client_hash == client_key,
            Invitation.created_at >= now - RATE_WINDOW,
        )
    )
    if (recent or 0) >= wave.public_rate_limit:
        raise TooManyRequests()
    inv = Invitation(
        kind=InvitationKind.PUBLIC,
        questionnaire_id=wave.questionnaire_id,
        wave_id=wave.id,
        expires_at=wave_expiry(wave),
        client_hash=client_key,
        created_at=now,
        updated_at=now,
    )
    session.add(inv)
    session.flush()
    token = issue_links(session, invitation_ids=[inv.id])[inv.id]
    return PublicOpen(token, wave.id, wave.public_one_per_browser)
