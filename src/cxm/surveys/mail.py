"""Sending invitations and reminders through an outbound channel: e-mail over an SMTP
relay, or SMS through the configured gateway (:mod:`cxm.channels`). Customers who have not
consented to survey contact by that channel are skipped and counted (:mod:`cxm.consent`);
every message is logged with its outcome."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from cxm.channels import (
    ChannelSettings,
    ChannelUnavailable,
    Message,
    get_channel,
    load_channel_settings,
    log_deliveries,
)
from cxm.config import Settings
from cxm.consent.service import split_by_consent
from cxm.customers.models import Customer
from cxm.errors import InputError
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

__all__ = [
    "WAVE_CHANNELS",
    "MailNotConfigured",
    "MailUnavailable",
    "SendResult",
    "channel_settings",
    "invitation_text",
    "send_wave_emails",
]

#: An unreachable or unset relay or gateway (kept under its old name for callers).
MailUnavailable = ChannelUnavailable


class MailNotConfigured(MailUnavailable):
    """No SMTP server is set: a state of this installation, not an outage (409)."""

    status = 409
    code = "mail_not_configured"


#: Channels that reach one customer (group robots do not).
WAVE_CHANNELS = ("email", "sms")


@dataclass(frozen=True, slots=True)
class SendResult:
    sent: int
    #: Customers without an address for the channel (e-mail or mobile number).
    no_email: int
    #: Refused by the relay or gateway, or not delivered.
    failed: int
    #: Customers skipped because they have not consented to survey contact by the channel.
    no_consent: int = 0
    channel: str = "email"


def invitation_text(*, title: str, link: str, reminder: bool, channel: str) -> tuple[str, str]:
    """The subject and text of an invitation or reminder (what the workspace previews)."""
    return _text(title=title, link=link, reminder=reminder, channel=channel)


def _text(*, title: str, link: str, reminder: bool, channel: str) -> tuple[str, str]:
    subject = _("Reminder: {title}", title=title) if reminder else title
    if channel == "sms":
        return subject, _(
            "{subject}: we would value your opinion (a few minutes): {link}",
            subject=subject,
            link=link,
        )
    body = _(
        "Hello,\n\nwe would value your opinion. The survey takes a few minutes:\n{link}\n\n"
        "The link is personal; please do not forward it.\n\nThank you!",
        link=link,
    )
    return subject, body


def channel_settings(settings: Settings) -> ChannelSettings:
    """The channel settings from the environment, with the SMTP host, port and sender of
    ``settings`` (so one :class:`~cxm.config.Settings` object still decides them)."""
    return load_channel_settings(
        smtp_host=settings.smtp_host, smtp_port=settings.smtp_port, smtp_from=settings.smtp_from
    )


def send_wave_emails(
    store: Store,
    settings: Settings,
    *,
    wave_id: int,
    reminder: bool = False,
    lang: str = "zh-CN",
    min_days_since: int = 3,
    max_reminders: int = 2,
    channel: str = "email",
    channels: ChannelSettings | None = None,
    team_ids: frozenset[int] | None = None,
) -> SendResult:
    """Send each customer of the wave a personal link (first invitations, or reminders to
    non-responders) by ``channel`` (email or sms); only the invitations of ``team_ids``
    unless it is None. The links are committed before any message leaves, so no sent link
    can be unknown to the database."""
    if channel not in WAVE_CHANNELS:
        raise InputError(
            _(
                "Survey links go to one customer at a time: use {channels}, not {channel}.",
                channels=", ".join(WAVE_CHANNELS),
                channel=channel,
            )
        )
    if channel == "email" and not settings.smtp_host and channels is None:
        raise MailNotConfigured(
            _("E-mail is not configured: set CXM_SMTP_HOST (and CXM_SMTP_PORT) to send surveys.")
        )
    sender = get_channel(channel, channels or channel_settings(settings))
    address_of = Customer.email if channel == "email" else Customer.phone
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
        with_customer = [i for i in invitations if i.customer_id is not None]
        consent = split_by_consent(
            s,
            [i.customer_id for i in with_customer if i.customer_id],
            channel=channel,
            purpose="survey",
        )
        refused = set(consent.refused)
        allowed = [i for i in with_customer if i.customer_id not in refused]
        addresses = dict(
            s.execute(
                select(Customer.id, address_of).where(
                    Customer.id.in_([i.customer_id for i in allowed])
                )
            ).all()
        )
        targets = [i for i in allowed if addresses.get(i.customer_id or -1)]
        no_consent = len(with_customer) - len(allowed)
        no_address = len(invitations) - len(targets) - no_consent
        tokens = issue_links(s, invitation_ids=[i.id for i in targets])
        titles = dict(s.execute(select(Questionnaire.id, Questionnaire.title)).all())
    messages = []
    for inv in targets:
        subject, text = _text(
            title=pick_text(titles.get(inv.questionnaire_id), lang) or _("Survey"),
            link=personal_link(settings.base_url, tokens[inv.id]),
            reminder=reminder,
            channel=channel,
        )
        messages.append(
            Message(
                to=str(addresses[inv.customer_id or -1]),
                subject=subject,
                text=text,
                lang=lang,
                customer_id=inv.customer_id,
                reference=f"invitation:{inv.id}",
            )
        )
    deliveries = sender.send(messages)
    sent_ids = [int(str(d.message.reference).split(":")[1]) for d in deliveries if d.sent]
    with store.session() as s:
        log_deliveries(s, channel, deliveries, purpose="survey")
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
    return SendResult(
        len(sent_ids), no_address, len(deliveries) - len(sent_ids), no_consent, channel
    )
