"""Outbound channels delivering to local sinks: a real SMTP server (plain, STARTTLS, SSL,
with login), a real HTTP server for the SMS gateway and the WeCom / DingTalk robots; every
send logged with its outcome; bounces matched back to their send."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.channels import (
    ChannelSend,
    ChannelUnavailable,
    DingTalkRobot,
    EmailChannel,
    Message,
    SendOutcome,
    SmsGateway,
    WeComRobot,
    load_channel_settings,
    log_deliveries,
    record_bounces,
)
from cxm.channels.http import dingtalk_signed_url
from cxm.store import Store
from tests.channel_sinks import HttpSink, SmtpSink, delivery_report, free_port


def _mail(sink: SmtpSink, **kw: object) -> EmailChannel:
    return EmailChannel(
        load_channel_settings(
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_from="survey@cxm.example",
            smtp_ca_file=str(sink.cert or ""),
            **kw,
        )
    )


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_mail_goes_over_tls_with_login_and_dates_and_ids(tmp_path: Path, mode: str) -> None:
    with SmtpSink(tmp_path, mode=mode, login=True) as sink:
        ch = _mail(sink, smtp_security=mode, smtp_user="user", smtp_password="secret")
        out = ch.send([Message(to="a@example.test", subject="Hi", text="你好")])
    assert [d.outcome for d in out] == [SendOutcome.SENT]
    (msg,) = sink.inbox.messages
    assert sink.inbox.logins == ["user"]
    assert msg["Message-ID"] == out[0].message_id and msg["Message-ID"].endswith("@cxm.example>")
    assert msg["Date"] and msg["Date"].endswith("+0000")
    assert msg["To"] == "a@example.test"


def test_a_wrong_password_or_missing_tls_is_one_clear_error(tmp_path: Path) -> None:
    with SmtpSink(tmp_path, mode="starttls", login=True) as sink:
        wrong = _mail(sink, smtp_security="starttls", smtp_user="user", smtp_password="nope")
        with pytest.raises(ChannelUnavailable, match=f"127.0.0.1:{sink.port}: 535 5.7.8"):
            wrong.send([Message(to="a@example.test", text="x")])
        plain = _mail(sink, smtp_user="user", smtp_password="secret")  # no STARTTLS
        with pytest.raises(ChannelUnavailable):
            plain.send([Message(to="a@example.test", text="x")])
    assert sink.inbox.messages == []


def test_refusals_are_per_message_and_logged(store: Store, tmp_path: Path) -> None:
    with SmtpSink(tmp_path, refuse={"gone@example.test"}) as sink:
        out = _mail(sink).send(
            [Message(to="gone@example.test", text="x"), Message(to="ok@example.test", text="y")]
        )
    assert [d.outcome for d in out] == [SendOutcome.REFUSED, SendOutcome.SENT]
    assert out[0].detail is not None and out[0].detail.startswith("550")
    with store.session() as s:
        log_deliveries(s, "email", out, purpose="survey")
    with store.session() as s:
        rows = s.execute(
            select(ChannelSend.recipient, ChannelSend.outcome).order_by(ChannelSend.id)
        ).all()
    assert rows == [
        ("gone@example.test", SendOutcome.REFUSED),
        ("ok@example.test", SendOutcome.SENT),
    ]


def test_a_bounce_marks_its_send_bounced(store: Store, tmp_path: Path) -> None:
    with SmtpSink(tmp_path) as sink:
        out = _mail(sink).send([Message(to="later-gone@example.test", text="x")])
    with store.session() as s:
        log_deliveries(s, "email", out, purpose="survey")
    with store.session() as s:
        assert record_bounces(s, delivery_report("<other@cxm.example>", "x@example.test")) == 0
        assert record_bounces(s, b"Subject: not a report\r\n\r\nhello") == 0
        assert (
            record_bounces(s, delivery_report(str(out[0].message_id), "later-gone@example.test"))
            == 1
        )
    with store.session() as s:
        row = s.scalars(select(ChannelSend)).one()
    assert row.outcome == SendOutcome.BOUNCED and row.bounced_at is not None
    assert row.detail is not None and "5.1.1" in row.detail


def test_sms_goes_to_the_gateway_with_its_url_template_and_auth_header() -> None:
    def reply(req):  # type: ignore[no-untyped-def]
        if "13900000000" in req.path:
            return 400, {"error": "invalid number"}
        return 200, {"message_id": "gw-1"}

    with HttpSink(reply) as gw:
        sms = SmsGateway(
            load_channel_settings(
                sms_url=gw.url + "/send?to={to}&from={sender}",
                sms_auth_header="Authorization: Bearer t0ken",
                sms_sender="CXM",
            )
        )
        out = sms.send(
            [
                Message(to="+8613800000000", text="请评价 https://x/r/1"),
                Message(to="13900000000", text="x"),
            ]
        )
    assert [d.outcome for d in out] == [SendOutcome.SENT, SendOutcome.REFUSED]
    assert out[0].message_id == "gw-1" and "invalid number" in str(out[1].detail)
    first = gw.requests[0]
    assert first.method == "POST" and first.headers["authorization"] == "Bearer t0ken"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(first.path).query) == {
        "to": ["+8613800000000"],
        "from": ["CXM"],
    }
    assert first.body == {"to": "+8613800000000", "text": "请评价 https://x/r/1", "sender": "CXM"}


def test_an_unreachable_gateway_is_one_clear_error() -> None:
    port = free_port()
    sms = SmsGateway(load_channel_settings(sms_url=f"http://127.0.0.1:{port}/send"))
    with pytest.raises(ChannelUnavailable, match=f"127.0.0.1:{port}"):
        sms.send([Message(to="1", text="x")])
    with pytest.raises(ChannelUnavailable, match="CXM_SMS_URL"):
        SmsGateway(load_channel_settings(sms_url=""))
    local = SmsGateway(load_channel_settings(sms_url="file:///etc/passwd"))
    with pytest.raises(ChannelUnavailable, match="not an http"):
        local.send([Message(to="1", text="x")])


def test_wecom_robot_payloads_and_its_error_codes() -> None:
    def reply(req):  # type: ignore[no-untyped-def]
        if "bad" in req.body["text"]["content"]:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    with HttpSink(reply) as robot:
        wecom = WeComRobot(
            load_channel_settings(wecom_webhook_url=robot.url + "/cgi-bin/webhook/send?key=K")
        )
        out = wecom.send(
            [Message(to="group,13800000000", text="NPS fell to 31"), Message(to="g", text="bad")]
        )
    assert [d.outcome for d in out] == [SendOutcome.SENT, SendOutcome.REFUSED]
    assert robot.requests[0].path == "/cgi-bin/webhook/send?key=K"
    assert robot.requests[0].body == {
        "msgtype": "text",
        "text": {"content": "NPS fell to 31", "mentioned_mobile_list": ["13800000000"]},
    }
    assert "93000" in str(out[1].detail)


def test_dingtalk_robot_signs_its_url() -> None:
    secret = "SECabc"
    with HttpSink() as robot:
        ding = DingTalkRobot(
            load_channel_settings(
                dingtalk_webhook_url=robot.url + "/robot/send?access_token=T",
                dingtalk_secret=secret,
            )
        )
        (d,) = ding.send([Message(to="group", text="新投诉 3 件")])
    assert d.outcome == SendOutcome.SENT
    req = robot.requests[0]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(req.path).query)
    ts = q["timestamp"][0]
    # DingTalk's documented recipe: base64(HMAC-SHA256(secret, f"{timestamp}\n{secret}")).
    expect = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert q["sign"] == [expect] and q["access_token"] == ["T"]
    assert req.body == {
        "msgtype": "text",
        "text": {"content": "新投诉 3 件"},
        "at": {"atMobiles": [], "isAtAll": False},
    }
    assert dingtalk_signed_url("http://h/r", "s", now_ms=1).startswith(
        "http://h/r?timestamp=1&sign="
    )


def test_the_cli_sends_logs_and_records_bounces(
    cxm, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    with SmtpSink(tmp_path) as sink:
        monkeypatch.setenv("CXM_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CXM_SMTP_PORT", str(sink.port))
        r = cxm("channels", "send", "email", "--to", "a@example.test", "--text", "hi", "--json")
    assert r.exit_code == 0, r.stderr
    sent = json.loads(r.stdout)
    assert sent["outcome"] == "sent" and len(sink.inbox.messages) == 1
    dsn = tmp_path / "bounce.eml"
    dsn.write_bytes(delivery_report(sent["message_id"], "a@example.test"))
    b = cxm("channels", "bounces", str(dsn), "--json")
    assert b.exit_code == 0 and json.loads(b.stdout) == {"files": 1, "bounced": 1}
    logged = json.loads(cxm("channels", "log", "--json").stdout)
    assert [(x["channel"], x["outcome"]) for x in logged] == [("email", "bounced")]
    no_robot = cxm("channels", "send", "wecom", "--to", "g", "--text", "x")
    assert no_robot.exit_code == 1 and "CXM_WECOM_WEBHOOK_URL" in no_robot.stderr
