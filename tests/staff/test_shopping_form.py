"""The mystery shopper's checklist form and the standards page: server-rendered, no
JavaScript needed, errors in place; in Chromium on a phone with JavaScript off, in Chinese,
with every control labelled and no console errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.standards.definitions import load_standards
from cxm.standards.models import ShoppingAnswer, ShoppingVisit
from cxm.store import Store
from tests.conftest import skip_or_fail
from tests.staff.conftest import PASSWORD, csrf_from, login
from tests.staff.test_staff_browser import CHROMIUM, LiveServer

CHECKLIST = """
standards:
  - {code: GREET, name: 进店即问候, stage: sale, kind: people, owner: 门店经理, unit: visit,
     source: shopping}
  - {code: NAME, name: 称呼顾客姓名, stage: sale, kind: people, owner: 门店经理, unit: visit,
     source: shopping}
"""


@pytest.fixture
def checklist(store: Store) -> None:
    with store.session() as s:
        load_standards(s, CHECKLIST)


def test_the_form_refuses_a_visit_without_answers_and_saves_a_good_one(
    client, users, checklist, store: Store
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/staff/shopping/new", follow_redirects=False).status_code in (303, 401)
    login(client, "alice")  # an admin may record visits too (shoppers do)
    form = client.get("/staff/shopping/new")
    assert form.status_code == 200 and "进店即问候" in form.text
    bad = client.post(
        "/staff/shopping/new",
        data={"csrf_token": csrf_from(form.text), "visited_at": "", "location": ""},
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text and 'aria-invalid="true"' in bad.text
    assert len(re.findall(r'<li><a href="#f-', bad.text)) == 3
    ok = client.post(
        "/staff/shopping/new",
        data={
            "csrf_token": csrf_from(form.text),
            "visited_at": "2026-03-01T10:30",
            "location": "门店 1",
            "team": "华东服务一组",
            "line_GREET": "met",
            "line_NAME": "not_met",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "saved=" in ok.headers["location"]
    with store.session() as s:
        visit = s.scalars(select(ShoppingVisit)).one()
        assert (visit.shopper, visit.location) == ("alice", "门店 1")
        assert s.scalar(select(func.count()).select_from(ShoppingAnswer)) == 2
    page = client.get("/staff/standards")
    assert page.status_code == 200 and "门店经理" in page.text and "GREET" in page.text


@pytest.mark.browser
@pytest.mark.slow
def test_a_shopper_fills_the_checklist_on_a_phone_without_javascript(
    app, users, checklist, store: Store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                java_script_enabled=False,
            )
            page = context.new_page()

            def on_console(m) -> None:  # type: ignore[no-untyped-def]
                # the refused submit answers 422 on purpose; Chromium logs it as a failed load
                deliberate = m.text.startswith("Failed to load resource") and (
                    "/staff/shopping/new" in m.location.get("url", "")
                )
                if m.type == "error" and not deliberate:
                    problems.append(f"{m.text} at {m.location}")

            page.on("console", on_console)
            page.goto(f"{live.url}/staff/login?lang=zh-CN&next=/staff/shopping/new")
            page.locator("#name").fill("alice")
            page.locator("#password").fill(PASSWORD)
            page.locator("form.login button").click()
            page.wait_for_url(re.compile(r".*/staff/shopping/new.*"))
            # every control has a label; every checklist line is a fieldset with a legend
            for control in page.locator("input:not([type=hidden]), select, textarea").all():
                cid = control.get_attribute("id")
                labelled = control.evaluate("e => e.labels.length > 0")
                assert labelled, f"unlabelled control {cid}"
            assert page.locator("fieldset.line legend").count() == 2
            page.locator("button.primary").click()  # nothing filled in
            assert page.locator(".error-summary").is_visible()
            page.locator("#location").fill("门店 7")
            page.locator("input[name=line_GREET][value=met]").check()
            page.locator("input[name=line_NAME][value=not_met]").check()
            page.locator("button.primary").click()
            page.wait_for_url(re.compile(r".*saved=\d+"))
            assert page.locator("p.saved").is_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, "the form scrolls sideways on a phone"
            page.screenshot(path=str(tmp_path / "shopping.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ShoppingVisit)) == 1


def test_the_chart_page_draws_the_limits_and_lists_the_bad_month(
    client, users, checklist, store: Store
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from cxm.standards.checking import check_standards
    from cxm.standards.recording import VisitInput, record_visit

    defects = [4, 6, 5, 3, 5, 6, 4, 5, 5, 4, 6, 5, 5, 19]
    with store.session() as s:
        for m, d in enumerate(defects):
            when = datetime(2025 + m // 12, 1 + m % 12, 10, tzinfo=UTC)
            for i in range(50):
                record_visit(s, VisitInput(when, "sale", "Shop", None, "Ann", {"GREET": i >= d}))
        check_standards(s)
    login(client, "bob")
    page = client.get("/staff/standards/GREET/chart")
    assert page.status_code == 200
    assert "<svg" in page.text and "2026-02" in page.text and "nelson_1" in page.text
    listing = client.get("/staff/standards")
    assert 'href="/staff/standards/GREET/chart"' in listing.text
    none = client.get("/staff/standards/NAME/chart")
    assert none.status_code == 422 and "no counted opportunities" in none.text
