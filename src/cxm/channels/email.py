"""E-mail through an SMTP relay: plain (a local relay), STARTTLS (587) or SSL (465), with
login; every message carries ``Date`` and ``Message-ID``; refusals are recorded per
message, bounces later from the relay's delivery-status reports (:func:`read_bounce`)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.message import Message as MimeMessage
from email.utils import formatdate, make_msgid

from cxm.channels.base import Delivery, Message
from cxm.channels.models import SendOutcome
from cxm.channels.settings import ChannelSettings
from cxm.errors import CXMError
from cxm.i18n import _

__all__ = ["Bounce", "ChannelUnavailable", "EmailChannel", "read_bounce"]


class ChannelUnavailable(CXMError):
    status = 503
    code = "channel_unavailable"


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()


class EmailChannel:
    name = "email"

    def __init__(self, settings: ChannelSettings) -> None:
        if not settings.smtp_host:
            raise ChannelUnavailable(
                _("No SMTP server is set: set CXM_SMTP_HOST (and CXM_SMTP_PORT).")
            )
        self.settings = settings

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file or None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.smtp_security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=self._tls()
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            try:
                smtp.ehlo()
                if s.smtp_security == "starttls":
                    smtp.starttls(context=self._tls())
                    smtp.ehlo()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
            except BaseException:
                smtp.close()
                raise
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, smtplib.SMTPResponseException):
                reason = _reply(exc.smtp_code, exc.smtp_error)
            else:
                reason = str(exc) or type(exc).__name__
            raise ChannelUnavailable(
                _(
                    "Cannot send e-mail through {host}:{port}: {reason}",
                    host=s.smtp_host,
                    port=s.smtp_port,
                    reason=reason,
                )
            ) from None
        return smtp

    def build(self, m: Message) -> EmailMessage:
        sender = self.settings.smtp_from
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = m.to
        msg["Subject"] = m.subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        msg.set_content(m.text)  # before the headers below: it clears Content-* headers
        msg["Content-Language"] = m.lang
        for k, v in m.headers.items():
            msg[k] = v
        return msg

    def send(self, messages: Sequence[Message]) -> list[Delivery]:
        """Send over one connection. An unreachable relay raises before anything is sent;
        a connection lost midway marks the rest failed."""
        if not messages:
            return []
        out: list[Delivery] = []
        smtp = self._connect()
        try:
            for m in messages:
                msg = self.build(m)
                mid = str(msg["Message-ID"])
                try:
                    refused = smtp.send_message(msg)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = next(iter(exc.recipients.values()), (550, b"refused"))
                    out.append(Delivery(m, SendOutcome.REFUSED, _reply(code, text), mid))
                    continue
                except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    outcome = SendOutcome.REFUSED if exc.smtp_code >= 500 else SendOutcome.FAILED
                    out.append(Delivery(m, outcome, _reply(exc.smtp_code, exc.smtp_error), mid))
                    continue
                if refused:
                    code, text = next(iter(refused.values()))
                    out.append(Delivery(m, SendOutcome.REFUSED, _reply(code, text), mid))
                else:
                    out.append(Delivery(m, SendOutcome.SENT, None, mid))
        except (OSError, smtplib.SMTPException) as exc:
            reason = str(exc) or type(exc).__name__
            out.extend(Delivery(m, SendOutcome.FAILED, reason) for m in messages[len(out) :])
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return out


@dataclass(frozen=True, slots=True)
class Bounce:
    message_id: str
    recipient: str | None
    status: str | None
    diagnostic: str | None


def _headers_of(part: MimeMessage) -> MimeMessage | None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            first = inner[0]
            return first if isinstance(first, MimeMessage) else None
    if ctype == "text/rfc822-headers":
        raw = part.get_payload(decode=True)
        if isinstance(raw, bytes):
            return message_from_bytes(raw, policy=policy.compat32)
    return None


def read_bounce(raw: bytes) -> list[Bounce]:
    """The failed deliveries a delivery-status report (RFC 3464) announces, each with the
    Message-ID of the message it returns; an empty list for any other mail."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    if msg.get_content_type() != "multipart/report":
        return []
    original_id: str | None = None
    failed: list[tuple[str | None, str | None, str | None]] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, MimeMessage):
                    continue
                if str(block.get("Action", "")).strip().lower() == "failed":
                    rcpt = block.get("Final-Recipient") or block.get("Original-Recipient")
                    failed.append(
                        (
                            str(rcpt).split(";", 1)[-1].strip() if rcpt else None,
                            str(block.get("Status") or "").strip() or None,
                            str(block.get("Diagnostic-Code") or "").strip() or None,
                        )
                    )
        headers = _headers_of(part)
        if headers is not None and headers.get("Message-ID"):
            original_id = str(headers["Message-ID"]).strip()
    if original_id is None:
        return []
    return [Bounce(original_id, r, s, d) for r, s, d in failed]
