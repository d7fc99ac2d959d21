"""A CX manager's day in Chromium on a fresh database (issue 17, "Done when"), in zh-CN and
in en at 1280 px: sign in, upload a questionnaire, define a segment and create a wave from
it, send the invitations to a local SMTP sink, answer three surveys as the customers (from
the links in the e-mails), see the dashboard and the report show the answers, call back
the detractor (the closed loop opened a case from the answer's outbox job), set a target,
invite an agent (who gets the set-password link by e-mail, through the same sink, and opens
it on her phone). Then every page the manager visited, at 390 px: no horizontal overflow and
no serious or critical axe-core violation. Selectors are the forms' field names and ids, so
one walk serves both languages. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.cases.models import Case
from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.jobs.worker import Worker
from cxm.management.models import Target
from cxm.store import Store
from cxm.surveys.drafts import template_text
from cxm.surveys.models import Response, Wave
from cxm.web.app import create_app
from tests.browser_helpers import (
    CHROMIUM,
    SCREENSHOTS,
    assert_no_horizontal_overflow,
    axe_violations,
)
from tests.channel_sinks import SmtpSink
from tests.conftest import skip_or_fail
from tests.org_factories import SERVING, assign_customers, build_org
from tests.staff.conftest import PASSWORD
from tests.staff.test_staff_browser import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RULES = """segments:
  - name: 北区
    conditions:
      - {field: region, value: north}
default: 南区
"""
CASE_RULES = "rules:\n  - {name: detractor, when: {any: [{question: NPS, at_most: 6}]}}\n"
#: What the three customers answer: a promoter, a passive and a detractor.
SCORES = ("10", "8", "2")


def _company(store: Store, folder: Path, password_hash: str) -> None:
    """The organisation (alice is the admin who manages CX here), six customers served by
    its teams, and the complaint rule that opens a case for a detractor."""
    with store.session() as s:
        for i in range(6):
            s.add(
                Customer(
                    external_id=f"C{i}",
                    name=f"顾客 {i}",
                    region=("north", "south")[i % 2],
                    email=f"c{i}@example.com",
                    attributes={},
                )
            )
    build_org(store, folder, password_hash)
    assign_customers(store, folder, SERVING)
    from cxm.cases.rules import load_rules

    rules = folder / "case_rules.yaml"
    rules.write_text(CASE_RULES, encoding="utf-8")
    with store.session() as s:
        load_rules(s, path=rules)


def _links(messages: list[Any], base: str) -> list[str]:
    out = []
    for msg in messages:
        part = msg.get_body(("plain",)) if msg.is_multipart() else msg
        body = part.get_payload(decode=True).decode("utf-8")
        found = re.search(r"http://survey\.test(/r/[A-Za-z0-9_-]+)", body)
        assert found, body
        out.append(base + found.group(1))
    return out


def _submit(page: Any, form: str, button: str = "button[type=submit]") -> None:
    page.locator(f"{form} {button}").first.click()
    page.wait_for_load_state()


def _check(page: Any, what: str, problems: list[str]) -> None:
    bad = [f"{v['id']}: {v['help']} {v['nodes']}" for v in axe_violations(page)]
    assert not bad, f"{what}: {bad}"
    assert_no_horizontal_overflow(page, what)
    assert not problems, f"{what}: console errors {problems}"


@pytest.mark.parametrize(
    ("lang", "database_url"),
    [("en", "sqlite"), pytest.param("zh-CN", "postgresql", marks=pytest.mark.postgres)],
    indirect=["database_url"],
)
def test_a_managers_day(
    lang: str, store: Store, tmp_path: Path, password_hash: str, database_url: str
) -> None:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    _company(store, tmp_path, password_hash)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    upload = tmp_path / "nps.yaml"
    upload.write_text(template_text("nps"), encoding="utf-8")
    problems: list[str] = []
    visited: list[str] = []
    with SmtpSink(tmp_path) as sink:
        settings = Settings(
            database_url=database_url,
            env="test",
            secret_key="t" * 48,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            base_url="http://survey.test",
        )
        app = create_app(settings, store=store)
        with LiveServer(app) as live, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(str(e)))

                def go(path: str) -> None:
                    joiner = "&" if "?" in path else "?"
                    page.goto(f"{live.url}{path}{joiner}lang={lang}")
                    visited.append(path)

                # Sign in.
                go("/staff/login")
                page.locator("input[name=name]").fill("alice")
                page.locator("input[name=password]").fill(PASSWORD)
                _submit(page, "form[action='/staff/login']")
                assert page.url.rstrip("/").endswith("/staff")

                # Upload a questionnaire (the NPS template, as a file).
                go("/staff/questionnaires/new")
                page.locator("input[name=file]").set_input_files(str(upload))
                _submit(page, "form[action='/staff/questionnaires/new']", "button[value=save]")
                page.screenshot(path=str(SCREENSHOTS / f"day-{lang}-questionnaire.png"))

                # A segment by region, then a wave sampled from it.
                go("/staff/segments")
                page.locator("input[name=name]").fill("区域")
                page.locator("input[name=kind][value=rule]").check()
                page.locator("textarea[name=rules]").fill(RULES)
                page.locator("#segment-save").click()
                page.wait_for_load_state()
                go("/staff/waves/new")
                page.locator("select[name=questionnaire]").select_option("nps")
                page.locator("input[name=name]").fill("推荐调查")
                page.locator("input[name=opens_on]").fill(date.today().isoformat())
                closes = (date.today() + timedelta(days=14)).isoformat()
                page.locator("input[name=closes_on]").fill(closes)
                page.locator("input[name=quiet_days]").fill("0")
                page.locator("select[name=stratify]").select_option("segment:区域")
                page.locator("button[value=preview]").click()  # the strata and quotas
                page.wait_for_load_state()
                page.locator("#create-wave").click()
                page.wait_for_load_state()
                wave_path = page.url.removeprefix(live.url).split("?")[0]
                with store.session() as s:
                    wave_id = s.scalar(select(Wave.id).where(Wave.name == "推荐调查"))
                assert wave_id is not None and wave_path == f"/staff/waves/{wave_id}"

                # The invitations, through SMTP.
                go(f"{wave_path}/send")
                page.locator("#send-invitations").click()
                page.wait_for_load_state()
                assert len(sink.inbox.messages) == 6
                page.screenshot(path=str(SCREENSHOTS / f"day-{lang}-sent.png"))

                # Three customers answer from their e-mails, in their own browser.
                customer = browser.new_context(viewport={"width": 390, "height": 844})
                form = customer.new_page()
                for link, score in zip(_links(sink.inbox.messages, live.url), SCORES, strict=False):
                    form.goto(link)
                    form.locator(f"input[name=q_NPS][value='{score}']").check()
                    form.locator("button[value=next]").click()
                    form.wait_for_load_state()
                customer.close()
                with store.session() as s:
                    done = s.scalars(
                        select(Response).where(
                            Response.wave_id == wave_id, Response.completed_at.is_not(None)
                        )
                    ).all()
                assert len(done) == 3

                # The closed loop: the answers' outbox jobs run the case rules.
                Worker(store, settings).run(once=True)
                with store.session() as s:
                    cases = s.scalars(select(Case)).all()
                assert len(cases) == 1, "exactly one case: for the detractor"
                case_id = cases[0].id

                # The dashboard shows the wave's answers and the detractor awaiting a call.
                go(f"/staff/?wave={wave_id}")
                assert f"/staff/cases/{case_id}" in page.content()
                page.screenshot(path=str(SCREENSHOTS / f"day-{lang}-dashboard.png"))

                # The report of this wave, kept by the job runner and opened from the frame.
                go(f"/staff/reports?wave={wave_id}")
                page.screenshot(path=str(SCREENSHOTS / f"day-{lang}-report.png"))
                assert "推荐调查" in page.content()

                # Call the detractor back: take the case, note the call, resolve it.
                go(f"/staff/cases/{case_id}")
                _submit(page, f"form[action='/staff/cases/{case_id}/take']")
                page.locator(f"form[action='/staff/cases/{case_id}/note'] textarea").first.fill(
                    "已回电：送货延误，已道歉。"
                )
                _submit(page, f"form[action='/staff/cases/{case_id}/note']")
                page.locator("input[name=apology]").fill("非常抱歉")
                _submit(page, f"form[action='/staff/cases/{case_id}/resolve']")
                with store.session() as s:
                    status = s.get(Case, case_id).status  # type: ignore[union-attr]
                assert str(getattr(status, "value", status)) == "resolved"

                # A target for the north: NPS 30.
                go("/staff/targets?definition=区域&kpi=nps")
                target = page.locator("form#set-target")
                target.locator("select[name=segment]").select_option("北区")
                target.locator("input[name=value]").fill("30")
                _submit(page, "form#set-target")
                with store.session() as s:
                    kept = s.scalars(select(Target)).all()
                assert [(t.segment, float(t.value)) for t in kept] == [("北区", 30.0)]

                # Invite an agent of the north team.
                go("/staff/users")
                invite = page.locator("form[action='/staff/users']")
                invite.locator("input[name=name]").fill("li.na")
                invite.locator("select[name=role]").select_option("agent")
                invite.locator("select[name=scope]").select_option("team")
                invite.locator("select[name=team]").select_option("north")
                invite.locator("input[name=email]").fill("li.na@example.cn")
                _submit(page, "form[action='/staff/users']")
                assert page.locator("#link-mailed").count() == 1, "the link is e-mailed"
                assert "/staff/password/" not in page.content(), "and not shown to the admin"
                with store.session() as s:
                    agent = s.scalars(select(StaffUser).where(StaffUser.name == "li.na")).one()
                assert str(getattr(agent.role, "value", agent.role)) == "agent"
                # She receives it and opens the link in her own browser.
                invitation = sink.inbox.messages[-1]
                assert invitation["To"] == "li.na@example.cn"
                body = invitation.get_payload(decode=True)
                assert isinstance(body, bytes)
                found = re.search(r"http://survey\.test(/staff/password/\S+)", body.decode())
                assert found, "the e-mail carries the set-password link"
                hers = browser.new_context(viewport={"width": 390, "height": 844})
                mailbox = hers.new_page()
                mailbox.goto(f"{live.url}{found.group(1)}?lang={lang}")
                assert mailbox.locator("input[name=password]").count() == 1
                _check(mailbox, f"set-password page ({lang}, 390 px)", problems)
                hers.close()

                # Every page of the day at 390 px: no sideways scrolling, axe-core clean.
                phone = browser.new_context(viewport={"width": 390, "height": 844})
                phone.add_cookies(context.cookies())
                small = phone.new_page()
                small.on(
                    "console", lambda m: problems.append(m.text) if m.type == "error" else None
                )
                for path in dict.fromkeys(p for p in visited if p != "/staff/login"):
                    joiner = "&" if "?" in path else "?"
                    small.goto(f"{live.url}{path}{joiner}lang={lang}")
                    _check(small, f"{path} ({lang}, 390 px)", problems)
                small.screenshot(path=str(SCREENSHOTS / f"day-{lang}-390.png"), full_page=True)
            finally:
                browser.close()
    assert not problems, problems
