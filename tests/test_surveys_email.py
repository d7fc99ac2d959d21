"""Invitations and reminders by e-mail, sent to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import select

from cxm.config import load_settings
from cxm.store import Store
from cxm.surveys.invitations import mark_reminded, resolve_link, select_for_reminder
from cxm.surveys.mail import MailUnavailable, send_wave_emails
from cxm.surveys.models import Invitation, InvitationStatus
from cxm.surveys.responses import save_page
from tests.survey_factories import ONE_PAGE, wave_with_links


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _link(msg: Message) -> str:
    body = msg.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"http://survey\.test/r/([A-Za-z0-9_-]+)", body.decode("utf-8"))
    assert found, body
    return found.group(1)


def test_it_mails_each_customer_a_working_personal_link(
    store: Store, smtp: tuple[_Inbox, int]
) -> None:
    inbox, port = smtp
    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url="http://survey.test")
    result = send_wave_emails(store, settings, wave_id=wave_id, lang="zh-CN")
    assert (result.sent, result.no_email, result.failed) == (3, 0, 0)
    assert sorted(m["To"] for m in inbox.messages) == [f"c{i}@example.test" for i in range(3)]
    with store.session() as s:
        ids = {resolve_link(s, token=_link(m)).id for m in inbox.messages}
        statuses = set(s.scalars(select(Invitation.status)))
    assert len(ids) == 3 and statuses == {InvitationStatus.SENT}
    # Sending again sends nothing new: every invitation went out once.
    assert send_wave_emails(store, settings, wave_id=wave_id).sent == 0


def test_reminders_go_only_to_those_who_have_not_answered(
    store: Store, smtp: tuple[_Inbox, int]
) -> None:
    inbox, port = smtp
    wave_id, tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    with store.session() as s:
        save_page(s, token=tokens[0], page=0, raw={"SAT": "5", "NPS": "10"})
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url="http://survey.test")
    result = send_wave_emails(store, settings, wave_id=wave_id, reminder=True, min_days_since=0)
    assert result.sent == 2
    assert all(str(m["Subject"]).startswith(("Reminder", "提醒")) for m in inbox.messages)
    with store.session() as s:
        counts = sorted(s.scalars(select(Invitation.reminder_count)))
        assert counts == [0, 1, 1]
        # At most two reminders each.
        again = select_for_reminder(s, wave_id=wave_id, min_days_since=0, max_reminders=2)
        mark_reminded(s, invitation_ids=[i.id for i in again])
        assert select_for_reminder(s, wave_id=wave_id, min_days_since=0, max_reminders=2) == []


def test_an_unreachable_smtp_server_is_one_clear_error(store: Store) -> None:
    wave_id, _tokens = wave_with_links(store, customers=1, definition=ONE_PAGE)
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=_free_port())
    with pytest.raises(MailUnavailable, match=r"127\.0\.0\.1"):
        send_wave_emails(store, settings, wave_id=wave_id)


def test_from_the_cli_links_go_out_as_csv_by_mail_and_as_reminders(
    store: Store,
    smtp: tuple[_Inbox, int],
    cxm: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    import csv

    inbox, port = smtp
    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    monkeypatch.setenv("CXM_BASE_URL", "http://survey.test")

    out = tmp_path / "links.csv"
    r = cxm("waves", "invitations", str(wave_id), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it right
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 3
    links = [v for row in rows for v in row.values() if v.startswith("http://survey.test/r/")]
    with store.session() as s:
        assert len({resolve_link(s, token=link.rsplit("/", 1)[1]).id for link in links}) == 3

    no_server = cxm("waves", "send", str(wave_id))
    assert no_server.exit_code == 1 and "CXM_SMTP_HOST" in no_server.stderr

    monkeypatch.setenv("CXM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CXM_SMTP_PORT", str(port))
    sent = cxm("waves", "send", str(wave_id), "--json")
    assert sent.exit_code == 0, sent.stderr
    assert '"sent": 3' in sent.stdout
    assert len(inbox.messages) == 3
    # Nobody has answered; a reminder right away (--min-days 0) reaches all three, in Chinese.
    reminded = cxm("waves", "remind", str(wave_id), "--min-days", "0", lang="zh-CN")
    assert reminded.exit_code == 0, reminded.stderr
    assert "3" in reminded.stdout
    assert len(inbox.messages) == 6
    assert all(m["Content-Language"] == "zh-CN" for m in inbox.messages[3:])
