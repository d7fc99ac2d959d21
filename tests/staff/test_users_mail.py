"""Set-password links by e-mail: with an SMTP relay set, an invitation or a reset goes to the
account's address through the shared e-mail channel (a real local SMTP sink), in the
administrator's language, and is not shown; without a relay, or when the relay refuses, the
link is shown to the administrator with the reason. Each attempt is audited and logged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.audit.models import AuditEntry
from cxm.channels.models import ChannelSend
from cxm.config import Settings
from cxm.store import Store
from cxm.web.app import create_app
from tests.channel_sinks import SmtpSink
from tests.staff.conftest import csrf_from, login
from tests.staff.test_users_pages import NEW_PASSWORD, _id, _set_password

BASE = "http://cxm.example"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path, refuse={"gone@example.com"}) as s:
        yield s


@pytest.fixture
def mailing(store: Store, database_url: str, sink: SmtpSink) -> Iterator[TestClient]:
    """The workspace with the relay set, as a browser."""
    settings = Settings(
        database_url=database_url,
        env="test",
        secret_key="t" * 48,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        base_url=BASE,
    )
    app = create_app(settings, store=store)
    with TestClient(app, raise_server_exceptions=False, headers={"accept": "text/html"}) as c:
        yield c


def _invite(client: TestClient, lang: str = "en", **fields: str):
    form = client.get(f"/staff/users?lang={lang}")
    return client.post(
        "/staff/users", data={"csrf_token": csrf_from(form.text), **fields}, follow_redirects=False
    )


def _mailed_link(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(re.escape(BASE) + r"(/staff/password/\S+)", body.decode("utf-8"))
    assert found, "no set-password link in the e-mail"
    return found.group(1)


def _subject(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def _mail_audit(store: Store, user_id: int) -> list[dict[str, object]]:
    with store.session() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "password_link_mail", AuditEntry.entity_id == str(user_id))
            .order_by(AuditEntry.id)
        )
        return [dict(e.after or {}) for e in rows]


def test_an_invitation_is_e_mailed_and_its_link_sets_the_password(
    mailing: TestClient, store: Store, sink: SmtpSink, users: dict[str, str]
) -> None:
    login(mailing, "alice")
    r = _invite(mailing, name="li.na", role="agent", email=" li.na@example.com ")
    assert r.status_code == 200, r.text[:500]
    assert 'id="link-mailed"' in r.text and "li.na@example.com" in r.text
    assert "/staff/password/" not in r.text  # the link went to her, not to the admin
    (message,) = sink.inbox.messages
    assert message["To"] == "li.na@example.com"
    assert _subject(message) == "You are invited to the CXM workspace"
    assert message["Content-Language"] == "en"
    uid = _id(store, "li.na")
    with store.session() as s:
        assert s.get(StaffUser, uid).email == "li.na@example.com"  # type: ignore[union-attr]
        (send,) = s.scalars(select(ChannelSend)).all()
    assert (send.channel, send.purpose, send.recipient) == ("email", "account", "li.na@example.com")
    assert _mail_audit(store, uid) == [{"to": "li.na@example.com", "sent": True, "reason": None}]
    # She follows the link from her mailbox.
    path = _mailed_link(message)
    mailing.cookies.clear()
    assert _set_password(mailing, path).status_code == 303
    assert login(mailing, "li.na", NEW_PASSWORD).status_code == 303


def test_the_e_mail_speaks_the_administrators_language(
    mailing: TestClient, store: Store, sink: SmtpSink, users: dict[str, str]
) -> None:
    login(mailing, "alice")
    r = _invite(mailing, lang="zh-CN", name="wang.fang", role="viewer", email="wf@example.cn")
    assert r.status_code == 200 and "已发送到 wf@example.cn" in r.text
    (message,) = sink.inbox.messages
    assert _subject(message) == "您已受邀使用 CXM 工作台"
    assert message["Content-Language"] == "zh-CN"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and "只能使用一次" in body.decode("utf-8")


def test_a_reset_goes_to_the_address_on_the_account(
    mailing: TestClient, store: Store, sink: SmtpSink, users: dict[str, str]
) -> None:
    login(mailing, "alice")
    bob = _id(store, "bob")
    form = mailing.get(f"/staff/users/{bob}?lang=en")
    token = csrf_from(form.text)
    # No address yet: the link is shown, saying why it was not e-mailed.
    shown = mailing.post(f"/staff/users/{bob}/password-link", data={"csrf_token": token})
    assert "Not e-mailed: bob has no e-mail address." in shown.text
    assert '<code class="link">' in shown.text and not sink.inbox.messages
    # The admin adds it (audited with the other fields) and asks again.
    fields = {"csrf_token": token, "role": "analyst", "scope": "all", "email": "bob@example.com"}
    assert (
        mailing.post(f"/staff/users/{bob}", data=fields, follow_redirects=False).status_code == 303
    )
    with store.session() as s:
        (update,) = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.entity_id == str(bob)
            )
        ).all()
    assert (update.before or {})["email"] is None
    assert (update.after or {})["email"] == "bob@example.com"
    mailed = mailing.post(f"/staff/users/{bob}/password-link", data={"csrf_token": token})
    assert 'id="link-mailed"' in mailed.text and '<code class="link">' not in mailed.text
    (message,) = sink.inbox.messages
    assert message["To"] == "bob@example.com"
    assert _subject(message) == "Set a new password for the CXM workspace"
    mailing.cookies.clear()
    assert _set_password(mailing, _mailed_link(message)).status_code == 303
    assert login(mailing, "bob", NEW_PASSWORD).status_code == 303


def test_a_refused_address_leaves_the_link_with_the_admin(
    mailing: TestClient, store: Store, sink: SmtpSink, users: dict[str, str]
) -> None:
    login(mailing, "alice")
    r = _invite(mailing, name="gone", role="agent", email="gone@example.com")
    assert r.status_code == 200
    assert "Not e-mailed: 550 5.1.1 no such mailbox" in r.text
    assert '<code class="link">' in r.text and not sink.inbox.messages
    uid = _id(store, "gone")
    (entry,) = _mail_audit(store, uid)
    assert entry["sent"] is False and "550" in str(entry["reason"])
    with store.session() as s:
        (send,) = s.scalars(select(ChannelSend)).all()
    assert str(getattr(send.outcome, "value", send.outcome)) == "refused"


def test_without_a_relay_the_link_is_shown_once(client: TestClient, store: Store, users) -> None:
    login(client, "alice")
    r = _invite(client, name="zhao.lei", role="agent", email="zl@example.com")
    assert r.status_code == 200
    assert "Not e-mailed: E-mail is not configured" in r.text
    assert '<code class="link">' in r.text


def test_a_malformed_address_is_refused_and_nothing_is_created(
    client: TestClient, store: Store, users: dict[str, str]
) -> None:
    login(client, "alice")
    r = _invite(client, name="zhao.lei", role="agent", email="zl@@example")
    assert r.status_code == 422 and "Invalid e-mail address zl@@example" in r.text
    assert 'value="zl@@example"' in r.text  # kept in the form to correct
    with store.session() as s:
        assert s.scalar(select(StaffUser.id).where(StaffUser.name == "zhao.lei")) is None
