"""E-mailing a staff member the one-time set-password link of an invitation or a reset,
through the shared e-mail channel (:mod:`cxm.channels`), in the language of the request.

The link is the credential: it goes to the address on the account and nowhere else (the
send log keeps the recipient and the outcome, never the link). Without an address or an
SMTP relay, or when the relay refuses, nothing is sent and the caller shows the link to the
administrator instead, saying why. Every attempt is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.audit.service import record
from cxm.channels import (
    ChannelSettings,
    ChannelUnavailable,
    Message,
    get_channel,
    log_deliveries,
)
from cxm.i18n import _, current_language

__all__ = ["LinkMail", "link_text", "mail_password_link"]

#: The send log's purpose of these messages.
PURPOSE = "account"


@dataclass(frozen=True, slots=True)
class LinkMail:
    """What became of the link: ``sent`` to ``to``; otherwise ``reason`` says why not (the
    administrator hands the link over)."""

    sent: bool
    to: str | None
    reason: str | None = None


def link_text(*, name: str, link: str, days: int, invited: bool, site: str) -> tuple[str, str]:
    """The subject and text of the e-mail (what the tests and the admin read)."""
    if invited:
        subject = _("You are invited to the CXM workspace")
        first = _(
            "Hello {name},\n\nan administrator has made you an account on the CXM workspace "
            "at {site}. Choose your password with this link:",
            name=name,
            site=site,
        )
    else:
        subject = _("Set a new password for the CXM workspace")
        first = _(
            "Hello {name},\n\nan administrator has asked for a new password for your CXM "
            "account at {site}. Choose it with this link:",
            name=name,
            site=site,
        )
    rest = _(
        "The link works once and expires in {days} days. Do not forward it: whoever holds it "
        "can set the password. If you did not expect this e-mail, tell your administrator.",
        days=days,
    )
    return subject, f"{first}\n\n{link}\n\n{rest}\n"


def mail_password_link(
    session: Session,
    *,
    user: StaffUser,
    link: str,
    days: int,
    invited: bool,
    site: str,
    channels: ChannelSettings | None,
    actor_id: int | None = None,
) -> LinkMail:
    """Send ``link`` to ``user``'s address by e-mail (``channels`` None: no relay is set)."""
    if not user.email:
        return LinkMail(False, None, _("{name} has no e-mail address.", name=user.name))
    if channels is None or not channels.smtp_host:
        return LinkMail(
            False, user.email, _("E-mail is not configured: set CXM_SMTP_HOST to send links.")
        )
    subject, text = link_text(name=user.name, link=link, days=days, invited=invited, site=site)
    message = Message(to=user.email, text=text, subject=subject, lang=current_language())
    try:
        delivery = get_channel("email", channels).send([message])[0]
    except ChannelUnavailable as exc:
        outcome = LinkMail(False, user.email, exc.message)
    else:
        log_deliveries(session, "email", [delivery], purpose=PURPOSE)
        reason = None if delivery.sent else (delivery.detail or str(delivery.outcome))
        outcome = LinkMail(delivery.sent, user.email, reason)
    record(
        session,
        actor_id=actor_id,
        action="password_link_mail",
        entity="staff_user",
        entity_id=user.id,
        after={"to": user.email, "sent": outcome.sent, "reason": outcome.reason},
    )
    return outcome
