"""The kept report at /staff/reports: built by the job runner, served from the store, says
how fresh it is, keeps one copy per visibility (a reader never gets a copy with money or
comments they may not see), offers the previous wave when the new one has no answers, and
answers gzipped. On SQLite and PostgreSQL, through the real app."""

from __future__ import annotations

import gzip
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cxm.accounts import create_user
from cxm.config import Settings
from cxm.jobs import Worker
from cxm.report_cache.jobs import enqueue_snapshot
from cxm.report_cache.models import ReportSnapshot
from cxm.report_cache.snapshots import (
    MONEY_SECTIONS,
    VERBATIM_SECTIONS,
    build_snapshots,
    kept_report,
    stale_keys,
)
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.models import Invitation
from cxm.surveys.responses import save_page
from cxm.surveys.waves import create_wave
from tests.staff.conftest import ANSWERS, Survey, login

pytestmark = pytest.mark.usefixtures("users")


def _run_jobs(store: Store, settings: Settings) -> None:
    outcome = Worker(store, settings, names=["reports.snapshot"]).run(once=True)
    assert outcome.done >= 1 and outcome.dead == 0, outcome


def _answer_one_more(store: Store, survey: Survey) -> None:
    """A fourth invited customer answers (the fixture answered three of six)."""
    with store.session() as s:
        answered = set(s.scalars(select(Invitation.id).where(Invitation.status == "completed")))
        waiting = [
            i
            for i in s.scalars(
                select(Invitation.id)
                .where(Invitation.wave_id == survey.wave_id)
                .order_by(Invitation.id)
            )
            if i not in answered
        ]
        token = next(iter(issue_links(s, invitation_ids=waiting[:1]).values()))
    with store.session() as s:
        save_page(s, token=token, page=0, raw=ANSWERS[0])


def test_the_job_builds_the_kept_report_and_the_page_serves_it(
    client, store: Store, settings: Settings, survey: Survey
) -> None:
    with store.session() as s:
        enqueue_snapshot(s, wave_id=survey.wave_id, segment="", lang="en")
    _run_jobs(store, settings)
    with store.session() as s:
        rows = s.execute(select(ReportSnapshot.visibility, ReportSnapshot.built_at)).all()
    assert sorted(v for v, _ in rows) == ["full", "money", "plain", "verbatim"]
    login(client, "alice")
    r = client.get("/staff/reports?lang=en")
    assert r.status_code == 200
    assert 'id="headline"' in r.text and 'class="report-body"' in r.text
    assert "As of" in r.text and "no newer answers" in r.text
    assert "Source:" not in r.text and "--json" not in r.text  # no developer lines
    # Served from the kept copies: reading built nothing new.
    with store.session() as s:
        again = s.execute(select(ReportSnapshot.visibility, ReportSnapshot.built_at)).all()
    assert sorted(again) == sorted(rows)


def test_the_page_says_how_many_answers_came_since_and_a_refresh_waits_ten_minutes(
    client, store: Store, settings: Settings, survey: Survey
) -> None:
    build_snapshots(store, wave_id=survey.wave_id, segment="", lang="en", min_n=30)
    _answer_one_more(store, survey)
    login(client, "alice")
    r = client.get("/staff/reports?lang=en")
    assert ", 1 newer answers." in r.text
    with store.session() as s:
        built = s.scalar(select(func.min(ReportSnapshot.built_at)))
        assert built is not None
        assert stale_keys(s, now=built + timedelta(minutes=5)) == []
        (key,) = stale_keys(s, now=built + timedelta(minutes=10, seconds=1))
    assert (key.wave_id, key.segment, key.lang, key.newer) == (survey.wave_id, "", "en", 1)


def test_a_first_reader_builds_the_report_in_chinese(client, store: Store, survey: Survey) -> None:
    login(client, "alice")
    r = client.get("/staff/reports?lang=zh-CN")
    assert r.status_code == 200
    assert "截至" in r.text and "报告" in r.text
    with store.session() as s:
        kept = kept_report(s, wave_id=survey.wave_id, segment="", lang="zh-CN", visibility="full")
    assert kept is not None and kept.answers == survey.completed


def test_a_build_longer_than_the_request_waits_goes_on_beside_and_the_page_reloads(
    client, store: Store, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large company's first build takes minutes: the request does not hold it. The page
    says it is being built and reloads itself; once built, the report is served."""
    from cxm.web import report_pages

    monkeypatch.setattr(report_pages, "FIRST_BUILD_PATIENCE", 0.0)
    login(client, "alice")
    r = client.get("/staff/reports")
    assert r.status_code == 200
    assert 'id="report-pending"' in r.text and 'http-equiv="refresh"' in r.text
    assert "report-body" not in r.text
    report_pages.wait_for_builds()
    again = client.get("/staff/reports")
    assert 'id="report-pending"' not in again.text and "report-body" in again.text
    with store.session() as s:
        kept = kept_report(s, wave_id=survey.wave_id, segment="", lang="en", visibility="full")
    assert kept is not None and kept.answers == survey.completed


def test_an_agent_cannot_open_the_report(client, survey: Survey) -> None:
    login(client, "carol")
    assert client.get("/staff/reports").status_code == 403
    assert client.get("/staff/reports/report.pdf").status_code == 403
    assert client.get("/reports/", follow_redirects=False).status_code == 403


def test_a_reader_without_money_or_comments_gets_neither_from_a_copy_built_for_an_admin(
    client, store: Store, survey: Survey, password_hash: str
) -> None:
    with store.session() as s:
        create_user(s, name="vera", role="viewer", password_hash=password_hash)
    login(client, "alice")  # the admin's visit builds every copy
    full = client.get("/staff/reports?lang=en").text
    for key in MONEY_SECTIONS | VERBATIM_SECTIONS:
        assert f'id="{key}"' in full
    client.post("/staff/logout", data={"csrf_token": _csrf(full)})
    login(client, "vera")
    shown = client.get("/staff/reports?lang=en")
    assert shown.status_code == 200
    for key in MONEY_SECTIONS | VERBATIM_SECTIONS:
        assert f'id="{key}"' not in shown.text
        assert f'href="#{key}"' not in shown.text
    assert "更快一点" not in shown.text  # a respondent's comment
    assert "Rebuild now" not in shown.text and "Scheduled delivery" not in shown.text
    with store.session() as s:
        plain = kept_report(s, wave_id=survey.wave_id, segment="", lang="en", visibility="plain")
    assert plain is not None and 'id="comments"' not in plain.html


def test_a_new_wave_without_answers_says_so_and_offers_the_previous_one(
    client, store: Store, survey: Survey
) -> None:
    with store.session() as s:
        from cxm.surveys.models import Wave

        old = s.get(Wave, survey.wave_id)
        assert old is not None
        create_wave(
            s,
            questionnaire_id=survey.questionnaire_id,
            name="2027-Q1",
            opens_on=date.today() + timedelta(days=1),
            closes_on=date.today() + timedelta(days=60),
        )
    login(client, "alice")
    r = client.get("/staff/reports?lang=en")
    assert r.status_code == 200
    assert "The wave has no responses yet." in r.text
    assert r.text.count("See the previous wave, 2026-Q4.") >= 5
    assert f'href="/staff/reports?wave={survey.wave_id}"' in r.text
    earlier = client.get(f"/staff/reports?wave={survey.wave_id}&lang=en")
    assert earlier.status_code == 200 and "2026-Q4" in earlier.text


def test_the_pdf_is_kept_and_the_old_addresses_lead_to_the_new_page(
    client, store: Store, survey: Survey
) -> None:
    login(client, "alice")
    pdf = client.get("/reports/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with store.session() as s:
        kept = s.scalars(select(ReportSnapshot).where(ReportSnapshot.visibility == "full")).one()
        assert kept.pdf is not None and kept.pdf_wanted
    moved = client.get("/reports/?lang=en", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/staff/reports?lang=en"
    assert client.get("/staff/reports?wave=nope").status_code == 404
    assert client.get("/staff/reports?segment=value:nope").status_code == 404


def test_pages_and_json_leave_gzipped_and_files_do_not(client, survey: Survey) -> None:
    login(client, "alice")
    raw = client.get("/staff/reports?lang=en", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in raw.headers["vary"].lower()
    plain = client.get("/staff/reports?lang=en", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(raw.headers["content-length"]) * 3 < len(plain.content)
    css = client.get("/static/report.css", headers={"accept-encoding": "gzip"})
    assert css.headers.get("content-encoding") == "gzip"
    pdf = client.get("/staff/reports/report.pdf", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in pdf.headers and pdf.content.startswith(b"%PDF")


def test_a_streamed_export_arrives_whole_when_gzipped(client, survey: Survey) -> None:
    """The responses export streams; compressed chunk by chunk, it decodes to the same CSV."""
    from tests.staff.conftest import bearer

    headers = {**bearer(client.app.state.store, "alice"), "accept": "text/csv"}
    path = f"/api/v1/waves/{survey.wave_id}/responses.csv"
    zipped = client.get(path, headers={**headers, "accept-encoding": "gzip"})
    plain = client.get(path, headers={**headers, "accept-encoding": "identity"})
    assert zipped.status_code == plain.status_code == 200, zipped.text[:200]
    assert zipped.headers.get("content-encoding") == "gzip"
    assert zipped.content == plain.content  # httpx decoded it
    assert plain.text.count("\n") >= survey.completed


def _csrf(html: str) -> str:
    from tests.staff.conftest import csrf_from

    return csrf_from(html)


def test_gzip_keeps_the_raw_bytes_valid(client, survey: Survey) -> None:
    """What goes over the wire is one valid gzip stream (read without httpx's decoding)."""
    login(client, "alice")
    with client.stream("GET", "/staff/reports?lang=en", headers={"accept-encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert gzip.decompress(wire).decode("utf-8").startswith("<!doctype html>")


def test_the_rebuild_button_queues_a_build_for_those_who_configure(
    client, store: Store, survey: Survey
) -> None:
    from cxm.jobs import Job

    login(client, "alice")
    page = client.get("/staff/reports?lang=en")
    assert "Rebuild now" in page.text
    forged = client.post("/staff/reports/rebuild", data={"wave": str(survey.wave_id)})
    assert forged.status_code == 403  # no CSRF token
    r = client.post(
        "/staff/reports/rebuild",
        data={"wave": str(survey.wave_id), "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "queued=1" in r.headers["location"]
    with store.session() as s:
        (payload,) = s.scalars(select(Job.payload).where(Job.name == "reports.snapshot")).all()
    assert payload == {"wave_id": survey.wave_id, "segment": "", "lang": "en"}
    assert "A new build is queued" in client.get(r.headers["location"]).text
