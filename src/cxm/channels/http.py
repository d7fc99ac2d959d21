"""SMS through an HTTP gateway, and group-robot webhooks (WeCom, DingTalk). Plain
``urllib``: nothing beyond the standard library is needed to post JSON."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from cxm.channels.base import Delivery, Message
from cxm.channels.email import ChannelUnavailable
from cxm.channels.models import SendOutcome
from cxm.channels.settings import ChannelSettings
from cxm.i18n import _

__all__ = [
    "DingTalkRobot",
    "SmsGateway",
    "WeComRobot",
    "dingtalk_payload",
    "dingtalk_signed_url",
    "wecom_payload",
]


def _post(
    url: str, body: dict[str, Any] | None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        # urllib would also open file:// and ftp:// URLs; a channel only speaks HTTP(S).
        raise urllib.error.URLError(f"not an http(s) URL: {url.split('?')[0]}")
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=data, method="POST" if data is not None else "GET"
    )
    if data is not None:
        req.add_header("Content-Type", "application/json; charset=utf-8")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
            return int(resp.status), resp.read(65536)
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read(65536) if exc.fp else b""


def _short(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:500]


def _send_each(
    channel: str,
    messages: Sequence[Message],
    one: Any,
    where: str,
) -> list[Delivery]:
    """Send each message with ``one(message) -> Delivery``. The endpoint unreachable on the
    first message raises; later network errors mark the message failed."""
    out: list[Delivery] = []
    for m in messages:
        try:
            out.append(one(m))
        except (urllib.error.URLError, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
            if not out:
                raise ChannelUnavailable(
                    _(
                        "Cannot reach the {channel} endpoint {where}: {reason}",
                        channel=channel,
                        where=where,
                        reason=reason,
                    )
                ) from None
            out.append(Delivery(m, SendOutcome.FAILED, reason))
    return out


class SmsGateway:
    """``CXM_SMS_URL`` is a template: ``{to}``, ``{text}`` and ``{sender}`` are replaced,
    URL-encoded. POST also sends ``{"to", "text", "sender"}`` as JSON. 2xx = sent, 4xx =
    refused, anything else = failed; a JSON reply's ``id`` or ``message_id`` is kept."""

    name = "sms"

    def __init__(self, settings: ChannelSettings) -> None:
        if not settings.sms_url:
            raise ChannelUnavailable(_("No SMS gateway is set: set CXM_SMS_URL."))
        self.settings = settings
        self.headers: dict[str, str] = {}
        auth = settings.sms_auth_header.get_secret_value()
        if auth:
            name, sep, value = auth.partition(":")
            if not sep or not name.strip():
                raise ChannelUnavailable(
                    _("CXM_SMS_AUTH_HEADER must be 'Name: value', e.g. 'Authorization: Bearer …'.")
                )
            self.headers[name.strip()] = value.strip()

    def _url(self, m: Message) -> str:
        q = urllib.parse.quote
        return (
            self.settings.sms_url.replace("{to}", q(m.to))
            .replace("{text}", q(m.text))
            .replace("{sender}", q(self.settings.sms_sender))
        )

    def _one(self, m: Message) -> Delivery:
        s = self.settings
        body = (
            {"to": m.to, "text": m.text, "sender": s.sms_sender} if s.sms_method == "POST" else None
        )
        status, raw = _post(self._url(m), body, self.headers, s.http_timeout)
        mid = None
        try:
            reply = json.loads(raw) if raw else None
            if isinstance(reply, dict):
                found = reply.get("message_id", reply.get("id"))
                mid = str(found) if found is not None else None
        except ValueError:
            pass
        if 200 <= status < 300:
            return Delivery(m, SendOutcome.SENT, None, mid)
        outcome = SendOutcome.REFUSED if 400 <= status < 500 else SendOutcome.FAILED
        return Delivery(m, outcome, f"HTTP {status}: {_short(raw)}", mid)

    def send(self, messages: Sequence[Message]) -> list[Delivery]:
        host = urllib.parse.urlsplit(self.settings.sms_url).netloc
        return _send_each(self.name, messages, self._one, host)


def wecom_payload(text: str, *, mention_mobiles: Sequence[str] = ()) -> dict[str, Any]:
    """A WeCom group-robot text message (``msgtype: text``; up to 2048 bytes of content)."""
    body: dict[str, Any] = {"content": text}
    if mention_mobiles:
        body["mentioned_mobile_list"] = list(mention_mobiles)
    return {"msgtype": "text", "text": body}


def dingtalk_payload(text: str, *, mention_mobiles: Sequence[str] = ()) -> dict[str, Any]:
    """A DingTalk group-robot text message."""
    return {
        "msgtype": "text",
        "text": {"content": text},
        "at": {"atMobiles": list(mention_mobiles), "isAtAll": False},
    }


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """DingTalk's signed robot URL: ``timestamp`` and ``sign`` =
    base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


class _Robot:
    name = "webhook"

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout

    def payload(self, m: Message) -> dict[str, Any]:
        raise NotImplementedError

    def target(self) -> str:
        return self.url

    def _one(self, m: Message) -> Delivery:
        status, raw = _post(self.target(), self.payload(m), {}, self.timeout)
        try:
            reply = json.loads(raw) if raw else {}
        except ValueError:
            reply = {}
        code = reply.get("errcode") if isinstance(reply, dict) else None
        if 200 <= status < 300 and code in (0, None):
            return Delivery(m, SendOutcome.SENT)
        if 200 <= status < 300 or 400 <= status < 500:
            return Delivery(m, SendOutcome.REFUSED, f"HTTP {status}: {_short(raw)}")
        return Delivery(m, SendOutcome.FAILED, f"HTTP {status}: {_short(raw)}")

    def send(self, messages: Sequence[Message]) -> list[Delivery]:
        return _send_each(self.name, messages, self._one, urllib.parse.urlsplit(self.url).netloc)


def _mentions(m: Message) -> list[str]:
    """A message's ``to`` is the group; mobiles to @-mention may be listed after it."""
    return [p.strip() for p in m.to.split(",")[1:] if p.strip()]


class WeComRobot(_Robot):
    name = "wecom"

    def __init__(self, settings: ChannelSettings) -> None:
        url = settings.wecom_webhook_url.get_secret_value()
        if not url:
            raise ChannelUnavailable(_("No WeCom robot is set: set CXM_WECOM_WEBHOOK_URL."))
        super().__init__(url, settings.http_timeout)

    def payload(self, m: Message) -> dict[str, Any]:
        return wecom_payload(m.text, mention_mobiles=_mentions(m))


class DingTalkRobot(_Robot):
    name = "dingtalk"

    def __init__(self, settings: ChannelSettings) -> None:
        if not settings.dingtalk_webhook_url:
            raise ChannelUnavailable(_("No DingTalk robot is set: set CXM_DINGTALK_WEBHOOK_URL."))
        super().__init__(settings.dingtalk_webhook_url, settings.http_timeout)
        self.secret = settings.dingtalk_secret.get_secret_value()

    def target(self) -> str:
        return dingtalk_signed_url(self.url, self.secret) if self.secret else self.url

    def payload(self, m: Message) -> dict[str, Any]:
        return dingtalk_payload(m.text, mention_mobiles=_mentions(m))
