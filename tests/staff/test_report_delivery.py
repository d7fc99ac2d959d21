"""Scheduled delivery of the report: once per period, by e-mail to a real local SMTP server
(aiosmtpd) or to a group robot (a real local HTTP server), through the job runner, each
delivery recorded; configured on the page and with ``cxm reports schedule``. On SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.channels.models import ChannelSend
from cxm.config import Settings
from cxm.errors import InputError
from cxm.jobs import Job, Worker, enqueue
from cxm.report_cache.models import ReportDelivery
from cxm.report_cache.schedules import add_schedule, deliver, next_period, period_of
from cxm.store import Store
from tests.channel_sinks import HttpSink, SmtpSink
from tests.staff.conftest import Survey, csrf_from, login

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with SmtpSink(tmp_path) as sink:
        monkeypatch.setenv("CXM_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CXM_SMTP_PORT", str(sink.port))
        yield sink


def test_periods_are_days_or_iso_weeks_on_the_company_clock() -> None:
    # 2026-12-07 is a Monday; 07:59 in Shanghai still belongs to the week before.
    monday_early = datetime(2026, 12, 6, 23, 59, tzinfo=UTC)  # 07:59 on Monday in Shanghai
    assert period_of("weekly", monday_early, "Asia/Shanghai")[0] == "2026-W49"
    key, due = period_of("weekly", datetime(2026, 12, 7, 0, 0, tzinfo=UTC), "Asia/Shanghai")
    assert key == "2026-W50" and due == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert period_of("daily", datetime(2026, 12, 7, 3, 0, tzinfo=UTC), "Asia/Shanghai")[0] == (
        "2026-12-07"
    )
    assert next_period("daily", datetime(2026, 12, 7, 3, 0, tzinfo=UTC), "Asia/Shanghai")[0] == (
        "2026-12-08"
    )


def test_a_weekly_mail_goes_once_per_period_through_the_job_runner(
    store: Store, settings: Settings, survey: Survey, smtp: SmtpSink
) -> None:
    with store.session() as s:
        schedule = add_schedule(
            s,
            name="周报",
            frequency="weekly",
            channel="email",
            recipients=["alice=alice@example.cn", "bob=bob@example.cn"],
            lang="zh-CN",
        )
        sid = schedule.id
        # The first delivery is queued for the next week's Monday 08:00.
        first = s.scalars(select(Job).where(Job.name == "reports.deliver")).one()
        assert first.payload["schedule_id"] == sid
        # Run this week's now, twice (a retried job, a second worker).
        for _ in range(2):
            enqueue(s, "reports.deliver", {"schedule_id": sid, "period": "2026-W49"})
    outcome = Worker(store, settings, names=["reports.deliver"]).run(once=True)
    assert outcome.done == 2 and outcome.dead == 0
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["alice@example.cn", "bob@example.cn"]
    body = smtp.inbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert "客户满意度报告" in body and "/staff/reports" in body
    with store.session() as s:
        (row,) = s.scalars(select(ReportDelivery)).all()
        assert (row.period, row.status, row.sent, row.failed) == ("2026-W49", "sent", 2, 0)
        logged = s.scalars(select(ChannelSend.recipient).where(ChannelSend.purpose == "report"))
        assert sorted(logged) == ["alice@example.cn", "bob@example.cn"]
        assert deliver(store, settings, schedule_id=sid, period="2026-W49").status == (
            "already_delivered"
        )
        nxt = s.scalars(
            select(Job.payload).where(Job.name == "reports.deliver", Job.status == "queued")
        ).all()
    assert any(p["period"] != "2026-W49" for p in nxt)
    assert len(smtp.inbox.messages) == 2


def test_two_runners_racing_send_one_period_once(
    store: Store, settings: Settings, survey: Survey, smtp: SmtpSink
) -> None:
    with store.session() as s:
        sid = add_schedule(
            s, name="daily", frequency="daily", channel="email",
            recipients=["alice=alice@example.cn"], lang="en",
        ).id  # fmt: skip
    results: list[str] = []

    def run() -> None:
        results.append(deliver(store, settings, schedule_id=sid, period="2026-12-06").status)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("sent") == 1, results
    assert len(smtp.inbox.messages) == 1


def test_a_group_robot_gets_the_report_as_a_webhook(
    store: Store, settings: Settings, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HttpSink() as sink:
        monkeypatch.setenv("CXM_DINGTALK_WEBHOOK_URL", sink.url + "/robot/send?access_token=t")
        with store.session() as s:
            sid = add_schedule(
                s, name="群", frequency="daily", channel="dingtalk", recipients=[], lang="zh-CN"
            ).id
        assert deliver(store, settings, schedule_id=sid, period="2026-12-06").status == "sent"
        assert deliver(store, settings, schedule_id=sid, period="2026-12-06").status == (
            "already_delivered"
        )
    (req,) = sink.requests
    assert "客户满意度报告" in req.body["text"]["content"]


def test_bad_schedules_are_refused_naming_what_is_wrong(store: Store, survey: Survey) -> None:
    with store.session() as s:
        with pytest.raises(InputError, match="Recipient 1"):
            add_schedule(s, name="x", frequency="weekly", channel="email", recipients=["nobody"])
        with pytest.raises(InputError, match="carol may not read"):
            add_schedule(
                s, name="x", frequency="weekly", channel="email",
                recipients=["carol=carol@example.cn"],
            )  # fmt: skip
        with pytest.raises(InputError, match="daily or weekly"):
            add_schedule(s, name="x", frequency="hourly", channel="email", recipients=[])


def test_the_page_saves_a_schedule_and_the_cli_lists_and_removes_it(
    client, store: Store, survey: Survey, cxm
) -> None:  # type: ignore[no-untyped-def]
    login(client, "alice")
    page = client.get("/staff/reports?lang=en")
    assert "Scheduled delivery" in page.text
    r = client.post(
        "/staff/reports/schedules",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "weekly-mail",
            "frequency": "weekly",
            "channel": "email",
            "recipients": "alice=alice@example.cn\nbob=bob@example.cn",
            "lang": "en",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    listed = cxm("reports", "schedule", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert '"weekly-mail"' in listed.stdout and "bob=bob@example.cn" in listed.stdout
    added = cxm(
        "reports", "schedule", "add", "daily-bob", "--every", "daily", "--to",
        "bob=bob@example.cn",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert cxm("reports", "schedule", "remove", "weekly-mail").exit_code == 0
    assert "weekly-mail" not in cxm("reports", "schedule", "list", "--json").stdout
    bad = cxm("reports", "schedule", "add", "x", "--to", "bob")
    assert bad.exit_code != 0 and "user=address" in bad.stderr
