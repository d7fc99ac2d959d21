"""Follow-up surveys by SMS through the shared channels: a customer who reached us by SMS,
or who refused e-mail but not SMS, gets the link by SMS at a real local HTTP gateway (the
channels' test sink); one who refused both gets nothing; two racing workers send each
once (the same lease as e-mail). SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from cxm.cases.codes import EventKind
from cxm.cases.followup import send_followups
from cxm.cases.models import CaseEvent, CaseFollowUp
from cxm.cases.recovery import resolve_case
from cxm.cases.service import open_case
from cxm.channels import load_channel_settings
from cxm.channels.models import ChannelSend
from cxm.config import load_settings
from cxm.consent.service import record_consent
from cxm.customers.models import Customer
from cxm.store import Store
from tests.case_factories import T0, staff
from tests.channel_sinks import HttpSink

#: (external id, name, e-mail, phone, case channel, refused channels)
PEOPLE = [
    ("S1", "张伟", None, "13800000001", "sms", ()),  # SMS only
    ("S2", "李娜", "lina@example.test", "13800000002", "sms", ()),  # reached us by SMS
    ("S3", "王芳", "wf@example.test", "13800000003", "phone", ("email",)),  # no e-mail
    ("S4", "刘洋", "ly@example.test", "13800000004", "phone", ("email", "sms")),  # neither
    ("S5", "陈静", "cj@example.test", "13800000005", "phone", ()),  # e-mail, but no SMTP here
]


def _cases(store: Store) -> dict[str, int]:
    ids = staff(store)
    out = {}
    with store.session() as s:
        for ext, name, email, phone, channel, refused in PEOPLE:
            c = Customer(external_id=ext, name=name, email=email, phone=phone)
            s.add(c)
            s.flush()
            for ch in refused:
                record_consent(
                    s, customer_id=c.id, channel=ch, purpose="survey", granted=False, given_at=T0
                )
            case, _new = open_case(
                s,
                customer=ext,
                type="complaint",
                subject=f"投诉 {ext}",
                channel=channel,
                owner_user_id=ids["carol"],
                now=T0,
            )
            resolve_case(
                s,
                case_id=case.id,
                version=case.version,
                actor_user_id=ids["carol"],
                now=T0 + timedelta(hours=1),
            )
            out[ext] = case.id
    return out


def test_follow_ups_go_by_sms_where_the_customer_prefers_or_allows_only_sms(
    store: Store,
) -> None:
    cases = _cases(store)
    with HttpSink(lambda req: (200, {"message_id": f"m-{len(sink.requests)}"})) as sink:
        channels = load_channel_settings(sms_url=sink.url + "/send", sms_sender="CXM")
        settings = load_settings(base_url="https://cx.example.test")  # no SMTP: SMS only
        results: list[Any] = []

        def worker(name: str) -> None:
            results.append(
                send_followups(
                    store, settings, worker=name, now=T0 + timedelta(hours=2), channels=channels
                )
            )

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        again = send_followups(store, settings, worker="w3", channels=channels)
    assert again.sent == 0
    assert sum(r.by_sms for r in results) == sum(r.sent for r in results) == 4
    assert sum(r.no_consent for r in results) == 1  # S4 refused both
    assert sum(r.no_email for r in results) == 0
    to = sorted(r.body["to"] for r in sink.requests)
    # S5 prefers e-mail, but no SMTP server is set: the other channel it allows.
    assert to == ["13800000001", "13800000002", "13800000003", "13800000005"]  # each once
    for r in sink.requests:
        assert r.body["sender"] == "CXM"
        assert "https://cx.example.test/r/" in r.body["text"]
    with store.session() as s:
        sends = list(s.scalars(select(ChannelSend)))
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.FOLLOWUP_SENT)))
        unsent = set(s.scalars(select(CaseFollowUp.case_id).where(CaseFollowUp.no_email.is_(True))))
    assert len(sends) == 4 and {x.purpose for x in sends} == {"survey"}
    assert {x.message_id for x in sends} == {"m-1", "m-2", "m-3", "m-4"}
    assert {e.case_id for e in events} == {cases[k] for k in ("S1", "S2", "S3", "S5")}
    assert {e.data["channel"] for e in events} == {"sms"}
    assert unsent == {cases["S4"]}


def test_a_gateway_refusal_is_counted_and_sent_again_after_the_lease(store: Store) -> None:
    _cases(store)
    with HttpSink(lambda req: (503, {"error": "busy"})) as sink:
        channels = load_channel_settings(sms_url=sink.url + "/send")
        settings = load_settings()
        first = send_followups(
            store, settings, worker="w1", now=T0 + timedelta(hours=2), channels=channels
        )
        assert (first.sent, first.failed) == (0, 4)
        # Within the lease nobody sends them again; after it, they are tried again.
        soon = send_followups(
            store, settings, worker="w2", now=T0 + timedelta(hours=2, minutes=1), channels=channels
        )
        assert soon.sent == soon.failed == 0
        sink.reply = lambda req: (200, {"id": "ok"})
        later = send_followups(
            store, settings, worker="w2", now=T0 + timedelta(hours=3), channels=channels
        )
    assert later.sent == later.by_sms == 4


def test_with_smtp_the_preferred_channel_decides(store: Store, tmp_path: Any) -> None:
    """With e-mail set up too, S5 (who prefers e-mail) gets mail, S2 (reached us by SMS)
    gets an SMS although they have an e-mail address."""
    from tests.channel_sinks import SmtpSink

    cases = _cases(store)
    with SmtpSink(tmp_path) as mail, HttpSink() as sink:
        channels = load_channel_settings(sms_url=sink.url + "/send")
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=mail.port)
        counts = send_followups(
            store, settings, worker="w1", now=T0 + timedelta(hours=2), channels=channels
        )
    assert (counts.sent, counts.by_sms, counts.no_consent) == (4, 3, 1)
    assert [m["To"] for m in mail.inbox.messages] == ["cj@example.test"]
    assert sorted(r.body["to"] for r in sink.requests) == [
        "13800000001",
        "13800000002",
        "13800000003",
    ]
    with store.session() as s:
        by_case = {
            e.case_id: e.data["channel"]
            for e in s.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.FOLLOWUP_SENT))
        }
    assert by_case[cases["S5"]] == "email" and by_case[cases["S2"]] == "sms"
