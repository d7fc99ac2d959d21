"""Invitations: personal links (minted on send or export, stored hashed), the lookup of a
token, reminders for non-responders and the invitation export."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from cxm.customers.models import Customer
from cxm.errors import CXMError
from cxm.files.safe import safe_cell
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.models import (
    Invitation,
    InvitationLink,
    InvitationStatus,
)
from cxm.surveys.tokens import hash_token, looks_like_token, new_token

__all__ = [
    "EXPORT_COLUMNS",
    "LinkInvalid",
    "as_utc",
    "export_invitations_csv",
    "issue_links",
    "mark_reminded",
    "personal_link",
    "resolve_link",
    "select_for_reminder",
]


class LinkInvalid(CXMError):
    """The one answer for a token that is unknown, expired or used: it says nothing about
    whether the token exists."""

    status = 404
    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__(
            _(
                "This survey link cannot be used. It may be mistyped, expired or already "
                "used. If you think this is wrong, please contact us."
            )
        )


def personal_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"


def issue_links(session: Session, *, invitation_ids: Sequence[int]) -> dict[int, str]:
    """Mint one new token for each invitation; returns invitation id → token. The token is
    never stored, only its hash: hand it out now (e-mail, export) or mint another later."""
    tokens = {iid: new_token() for iid in invitation_ids}
    if tokens:
        session.execute(
            insert(InvitationLink),
            [{"invitation_id": iid, "token_hash": hash_token(t)} for iid, t in tokens.items()],
        )
    return tokens


def resolve_link(session: Session, *, token: str, now: datetime | None = None) -> Invitation:
    """The open invitation behind ``token``, or :class:`LinkInvalid` (unknown, expired)."""
    if not looks_like_token(token):
        raise LinkInvalid()
    inv = session.scalar(
        select(Invitation)
        .join(InvitationLink, InvitationLink.invitation_id == Invitation.id)
        .where(InvitationLink.token_hash == hash_token(token))
    )
    if inv is None or as_utc(inv.expires_at) <= (now or utcnow()):
        raise LinkInvalid()
    return inv


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def select_for_reminder(
    session: Session,
    *,
    wave_id: int,
    min_days_since: int = 3,
    max_reminders: int = 2,
    now: datetime | None = None,
) -> list[Invitation]:
    """Invitations of the wave not yet completed nor expired, sent (or last reminded) at
    least ``min_days_since`` days ago, reminded fewer than ``max_reminders`` times."""
    now = now or utcnow()
    cutoff = now - timedelta(days=min_days_since)
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.wave_id == wave_id,
                Invitation.status != InvitationStatus.COMPLETED,
                Invitation.expires_at > now,
                Invitation.reminder_count < max_reminders,
                or_(Invitation.sent_at.is_(None), Invitation.sent_at <= cutoff),
                or_(Invitation.reminded_at.is_(None), Invitation.reminded_at <= cutoff),
            )
            .order_by(Invitation.id)
        )
    )


def mark_reminded(
    session: Session, *, invitation_ids: Iterable[int], now: datetime | None = None
) -> int:
    ids = list(invitation_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Invitation)
        .where(Invitation.id.in_(ids))
        .values(reminder_count=Invitation.reminder_count + 1, reminded_at=now or utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "" if value is None else str(safe_cell(str(value)))


EXPORT_COLUMNS = (
    "invitation_id",
    "customer_external_id",
    "name",
    "email",
    "phone",
    "stratum",
    "link",
    "expires_at",
)


def export_invitations_csv(
    session: Session,
    *,
    wave_id: int,
    base_url: str,
    out: IO[str],
    include_completed: bool = False,
    withheld: dict[str, int] | None = None,
) -> int:
    """Write one CSV row per open invitation of the wave with a freshly minted personal
    link (earlier links keep working). Returns the number of rows.

    The file feeds a mail-merge or SMS tool, so consent applies: a customer's e-mail
    (phone) is left out without consent to survey contact by e-mail (SMS), and a customer
    left with neither is left out. ``withheld`` receives the counts: ``email``, ``phone``
    (addresses left out) and ``rows`` (customers left out)."""
    from cxm.consent.service import split_by_consent

    query = (
        select(Invitation, Customer)
        .outerjoin(Customer, Customer.id == Invitation.customer_id)
        .where(Invitation.wave_id == wave_id, Invitation.expires_at > utcnow())
        .order_by(Invitation.id)
    )
    if not include_completed:
        query = query.where(Invitation.status != InvitationStatus.COMPLETED)
    pairs = list(session.execute(query))
    ids = [c.id for _i, c in pairs if c is not None]
    no_mail = set(split_by_consent(session, ids, channel="email", purpose="survey").refused)
    no_sms = set(split_by_consent(session, ids, channel="sms", purpose="survey").refused)
    counts = {"email": 0, "phone": 0, "rows": 0}
    kept = []
    for inv, cust in pairs:
        email = cust.email if cust else None
        phone = cust.phone if cust else None
        if cust is not None and cust.id in no_mail and email:
            email, counts["email"] = None, counts["email"] + 1
        if cust is not None and cust.id in no_sms and phone:
            phone, counts["phone"] = None, counts["phone"] + 1
        if cust is not None and cust.id in no_mail and cust.id in no_sms:
            counts["rows"] += 1
            continue
        kept.append((inv, cust, email, phone))
    if withheld is not None:
        withheld.update(counts)
    tokens = issue_links(session, invitation_ids=[inv.id for inv, _c, _e, _p in kept])
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for inv, cust, email, phone in kept:
        writer.writerow(
            [
                _safe_cell(v)
                for v in (
                    inv.id,
                    cust.external_id if cust else "",
                    cust.name if cust else "",
                    email or "",
                    phone or "",
                    inv.stratum,
                    personal_link(base_url, tokens[inv.id]),
                    inv.expires_at.isoformat(),
                )
            ]
        )
    return len(kept)
