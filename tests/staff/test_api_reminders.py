"""Reminders through the staff API reach a real local SMTP server (aiosmtpd), once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest

from cxm.accounts import update_user
from cxm.config import Settings
from cxm.people.organisation import import_org_file
from cxm.web.app import create_app
from tests.org_factories import assign_customers, write
from tests.staff.conftest import TestClient, bearer


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_an_agent_sends_reminders_to_non_responders_once(
    store, users, survey, smtp, tmp_path
) -> None:
    """carol, an agent of the team serving every customer of the wave, reminds them."""
    with store.session() as s:
        import_org_file(s, kind="teams", path=write(tmp_path / "t.csv", "team\ndesk\n"))
        update_user(s, name="carol", team="desk")
    serving = {f"C{i}": "desk" for i in range(6)}
    assign_customers(store, tmp_path, serving)
    inbox, port = smtp
    settings = Settings(
        database_url=store.engine.url.render_as_string(hide_password=False),
        env="test",
        secret_key="t" * 48,
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url="http://survey.test",
    )
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        auth = bearer(store, "carol")
        r = client.post(f"/api/v1/waves/{survey.wave_id}/reminders", json={}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json() == {
            "sent": survey.invited - survey.completed,
            "no_email": 0,
            "failed": 0,
            "no_consent": 0,
        }
        again = client.post(f"/api/v1/waves/{survey.wave_id}/reminders", json={}, headers=auth)
        assert again.json()["sent"] == 0  # reminded just now: not again within 3 days
    assert len(inbox.messages) == survey.invited - survey.completed
    bodies = [m.get_payload(decode=True).decode("utf-8") for m in inbox.messages]
    assert all("http://survey.test/r/" in body for body in bodies)
