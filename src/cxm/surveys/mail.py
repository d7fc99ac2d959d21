"""Sending invitations and reminders by e-mail over SMTP."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select, update

from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.errors import CXMError
from cxm.i18n import _
from cxm.store import Store
from cxm.store.base import utcnow
from cxm.surveys.invitations import (
    issue_links,
    mark_reminded,
    personal_link,
    select_for_reminder,
)
from cxm.surveys.models import Invitation, InvitationStatus, Questionnaire
from cxm.surveys.schema import pick_text

__all__ = ["MailUnavailable", "SendResult", "send_wave_emails"]


class MailUnavailable(CXMError):
    status = 503
    code = "mail_unavailable"


@dataclass(frozen=True, slots=True)
class SendResult:
    sent: int
    no_email: int
    failed: int


def _message(
    *, sender: str, to: str, title: str, link: str, reminder: bool, lang: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    subject = _("Reminder: {title}", title=title) if reminder else title
    msg["Subject"] = subject
    body = _(
        "Hello,\n\nwe would value your opinion. The survey takes a few minutes:\n{link}\n\n"
        "The link is personal; please do not forward it.\n\nThank you!",
        link=link,
    )
    msg.set_content(body)
    msg["Content-Language"] = lang
    return msg


def send_wave_emails(
    store: Store,
    settings: Settings,
    *,
    wave_id: int,
    reminder: bool = False,
    lang: str = "zh-CN",
    min_days_since: int = 3,
    max_reminders: int = 2,
    team_ids: frozenset[int] | None = None,
) -> SendResult:
    """E-mail each customer of the wave a personal link (first invitations, or reminders to
    non-responders); only the invitations of ``team_ids`` unless it is None. The links are
    committed before any message leaves, so no mailed link can be unknown to the database."""
    if not settings.smtp_host:
        raise MailUnavailable(_("No SMTP server is set: set CXM_SMTP_HOST (and CXM_SMTP_PORT)."))
    with store.session() as s:
        if reminder:
            invitations = select_for_reminder(
                s, wave_id=wave_id, min_days_since=min_days_since, max_reminders=max_reminders
            )
        else:
            invitations = list(
                s.scalars(
                    select(Invitation)
                    .where(
                        Invitation.wave_id == wave_id,
                        Invitation.sent_at.is_(None),
                        Invitation.status == InvitationStatus.PENDING,
                        Invitation.customer_id.is_not(None),
                    )
                    .order_by(Invitation.id)
                )
            )
        if team_ids is not None:
            from cxm.org.serving import in_teams

            keep = set(
                s.scalars(
                    select(Invitation.id).where(
                        Invitation.id.in_([i.id for i in invitations]),
                        in_teams(Invitation.team_id, Invitation.customer_id, team_ids),
                    )
                )
            )
            invitations = [i for i in invitations if i.id in keep]
        emails = dict(
            s.execute(
                select(Customer.id, Customer.email).where(
                    Customer.id.in_([i.customer_id for i in invitations if i.customer_id])
                )
            ).all()
        )
        targets = [i for i in invitations if emails.get(i.customer_id or -1)]
        no_email = len(invitations) - len(targets)
        tokens = issue_links(s, invitation_ids=[i.id for i in targets])
        titles = dict(s.execute(select(Questionnaire.id, Questionnaire.title)).all())
    sent_ids: list[int] = []
    failed = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            for inv in targets:
                msg = _message(
                    sender=settings.smtp_from,
                    to=str(emails[inv.customer_id or -1]),
                    title=pick_text(titles.get(inv.questionnaire_id), lang) or _("Survey"),
                    link=personal_link(settings.base_url, tokens[inv.id]),
                    reminder=reminder,
                    lang=lang,
                )
                try:
                    smtp.send_message(msg)
                    sent_ids.append(inv.id)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    failed += 1
    except (OSError, smtplib.SMTPException) as exc:
        if not sent_ids:
            raise MailUnavailable(
                _(
                    "Cannot send e-mail through {host}:{port}: {reason}",
                    host=settings.smtp_host,
                    port=settings.smtp_port,
                    reason=str(exc),
                )
            ) from None
        failed += len(targets) - len(sent_ids) - failed
    with store.session() as s:
        if reminder:
            mark_reminded(s, invitation_ids=sent_ids)
        elif sent_ids:
            s.execute(
                update(Invitation)
                .where(Invitation.id.in_(sent_ids), Invitation.status == InvitationStatus.PENDING)
                .values(status=InvitationStatus.SENT, sent_at=utcnow())
            )
            s.execute(
                update(Invitation)
                .where(Invitation.id.in_(sent_ids), Invitation.sent_at.is_(None))
                .values(sent_at=utcnow())
            )
    return SendResult(len(sent_ids), no_email, failed)
