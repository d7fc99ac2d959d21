"""The wave pages: the list, a new wave sampled from a segment with strata previewed and
quotas set, invitations (links CSV, preview, test send and send through a real local SMTP
sink), closing, and a phone interview recorded as interviewer-entered (in the export too).
Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import warnings
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cxm.config import Settings
from cxm.management.definitions import define_segments
from cxm.management.segments import recompute
from cxm.surveys.models import Invitation, Response, Wave
from cxm.web.app import create_app
from tests.channel_sinks import SmtpSink
from tests.staff.conftest import bearer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def staff(store, users, survey) -> dict[str, dict[str, str]]:
    with store.session() as s:
        define_segments(
            s,
            name="area",
            kind="rule",
            parameters={
                "segments": [
                    {"name": "北区", "conditions": [{"field": "region", "value": "north"}]}
                ],
                "default": "南区",
            },
        )
        recompute(s, "area")
    return {name: bearer(store, name) for name in users}


def _new(client, headers, **form):
    today = date.today()
    data = {
        "questionnaire": "svc",
        "name": "2027 第一季度",
        "opens_on": (today + timedelta(days=200)).isoformat(),
        "closes_on": (today + timedelta(days=230)).isoformat(),
        "quiet_days": "0",
        "stratify": "segment:area",
        **form,
    }
    return client.post("/staff/waves/new", data=data, headers=headers, follow_redirects=False)


def test_the_list_shows_the_waves(client, staff, survey) -> None:
    r = client.get("/staff/waves", headers=staff["bob"])
    assert r.status_code == 200 and "2026-Q4" in r.text and 'id="new-wave"' in r.text


def test_a_wave_from_a_segment_previews_strata_then_draws_the_quotas(client, store, staff) -> None:
    preview = _new(client, staff["bob"], action="preview")
    assert preview.status_code == 200
    assert "北区" in preview.text and "南区" in preview.text
    created = _new(
        client,
        staff["bob"],
        action="create",
        stratum=["北区", "南区"],
        quota=["2", "1"],
        seed="7",
    )
    assert created.status_code == 303, created.text[:500]
    with store.session() as s:
        wave = s.scalar(select(Wave).where(Wave.name == "2027 第一季度"))
        strata = sorted(
            s.scalars(select(Invitation.stratum).where(Invitation.wave_id == wave.id)).all()
        )
    assert strata == ["北区", "北区", "南区"]
    page = client.get(created.headers["location"], headers=staff["bob"])
    assert "3 customers invited" in page.text


def test_a_bad_quota_is_refused_and_nothing_is_created(client, store, staff) -> None:
    r = _new(client, staff["bob"], action="create", stratum=["北区"], quota=["lots"])
    assert r.status_code == 422 and "whole number" in r.text
    with store.session() as s:
        assert s.scalar(select(Wave.id).where(Wave.name == "2027 第一季度")) is None


def test_links_csv_and_message_preview(client, staff, survey) -> None:
    csv_r = client.get(f"/staff/waves/{survey.wave_id}/invitations.csv", headers=staff["bob"])
    assert csv_r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert len(rows) == survey.invited - survey.completed
    zh = client.get(f"/staff/waves/{survey.wave_id}/send?lang=zh-CN", headers=staff["bob"])
    assert zh.status_code == 200 and "服务调查" in zh.text
    assert (
        client.get(f"/staff/waves/{survey.wave_id}/send", headers=staff["bob"]).status_code == 200
    )


def test_test_send_and_send_reach_a_local_smtp_sink(store, staff, survey, tmp_path) -> None:
    with SmtpSink(tmp_path) as sink:
        settings = Settings(
            database_url=store.engine.url.render_as_string(hide_password=False),
            env="test",
            secret_key="t" * 48,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            base_url="http://survey.test",
        )
        with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as c:
            url = f"/staff/waves/{survey.wave_id}/send"
            test = c.post(
                url, data={"action": "test", "to": "me@example.test"}, headers=staff["bob"]
            )
            assert test.status_code == 200 and "Test message sent to me@example.test" in test.text
            sent = c.post(url, data={"action": "send"}, headers=staff["bob"])
            assert sent.status_code == 200 and 'id="send-result"' in sent.text
    to = sorted(m["To"] for m in sink.inbox.messages)
    assert to[-1] == "me@example.test" and "[Test]" in sink.inbox.messages[0]["Subject"]
    assert len(to) == 1 + (survey.invited - survey.completed)


def test_a_phone_interview_is_recorded_as_interviewer_entered(client, store, staff, survey) -> None:
    with store.session() as s:
        answered = set(s.scalars(select(Response.customer_id)))
        open_inv = s.scalars(
            select(Invitation).where(
                Invitation.wave_id == survey.wave_id, Invitation.customer_id.not_in(answered)
            )
        ).first()
        from cxm.customers.models import Customer

        external = s.get(Customer, open_inv.customer_id).external_id
    url = f"/staff/waves/{survey.wave_id}/interview"
    form = client.get(url, params={"customer": external}, headers=staff["alice"])
    assert form.status_code == 200 and 'name="q_SAT"' in form.text
    bad = client.post(url, data={"customer": external, "q_SAT": "9"}, headers=staff["alice"])
    assert bad.status_code == 422 and 'class="error"' in bad.text
    ok = client.post(
        url,
        data={"customer": external, "q_SAT": "4", "q_CHANNEL": "shop", "q_NPS": "8"},
        headers=staff["alice"],
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with store.session() as s:
        r = s.scalars(select(Response).where(Response.customer_id == open_inv.customer_id)).one()
        assert r.source == "interview" and r.interviewer_id is not None
    again = client.get(url, params={"customer": external}, headers=staff["alice"])
    assert again.status_code == 422 and "answered the wave already" in again.text
    export = client.get(f"/api/v1/waves/{survey.wave_id}/responses.csv", headers=staff["bob"])
    assert "interview" in export.text


def test_closing_stops_the_open_links(client, store, staff, survey) -> None:
    r = client.post(
        f"/staff/waves/{survey.wave_id}/close", headers=staff["bob"], follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"], headers=staff["bob"])
    assert "3 open invitations stopped" in page.text
    with store.session() as s:
        assert s.get(Wave, survey.wave_id).closed_at is not None
    again = client.post(f"/staff/waves/{survey.wave_id}/close", headers=staff["bob"])
    assert again.status_code == 422
