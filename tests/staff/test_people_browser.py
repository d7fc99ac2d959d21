"""In Chromium on a phone (390 px, Chinese): an employee answers the survey with
JavaScript switched off, and the answer is stored without who or when; the survey page,
its thank-you page and ``/staff/people`` (an admin's and an agent's) have no horizontal
overflow and no serious or critical axe-core violation (``tests/browser_helpers.py``,
the staff frame's vendored axe-core). Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cxm.clock import today
from cxm.people.models import EmployeeResponse
from cxm.people.surveys import create_wave
from cxm.store import Store
from tests.conftest import skip_or_fail
from tests.org_factories import build_org
from tests.staff.conftest import PASSWORD
from tests.survey_factories import LiveServer

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}


def _helpers() -> Any:
    try:
        import tests.browser_helpers as helpers
    except ImportError:  # the staff frame's helper (axe-core) is not on this branch yet
        skip_or_fail("tests/browser_helpers.py (axe-core) is not available")
    return helpers


def _check(page: Any, helpers: Any, name: str) -> None:
    helpers.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(helpers.SCREENSHOTS / f"{name}.png"), full_page=True)
    helpers.assert_no_horizontal_overflow(page, name)
    violations = helpers.axe_violations(page)
    assert violations == [], f"{name}: {violations}"


@pytest.mark.browser
@pytest.mark.slow
def test_an_employee_answers_on_a_phone_and_the_people_page_is_accessible(
    app: Any, store: Store, tmp_path: Any, password_hash: str
) -> None:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    helpers = _helpers()
    from playwright.sync_api import sync_playwright

    build_org(store, tmp_path, password_hash)
    with store.session() as s:
        _wave, links = create_wave(
            s,
            name="2026 冬季",
            opens_on=today() - timedelta(days=1),
            closes_on=today() + timedelta(days=10),
            attributes=["tenure", "role"],
        )
    token = links[0].token
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = helpers.launch_chromium(pw)
        # Without JavaScript: the form is plain HTML.
        plain = browser.new_context(java_script_enabled=False, **PHONE).new_page()
        plain.goto(f"{live.url}/e/{token}?lang=zh-CN")
        assert "员工调查" in plain.content()
        plain.get_by_role("button", name="提交").click()  # nothing answered: errors
        assert plain.locator("#errors").count() == 1
        for code in ("JS_OVERALL", "JS_RECOGNITION"):
            plain.locator(f'input[name="q_{code}"][value="4"]').check()
        for code in ("EG_ENERGY", "EG_PRIDE", "EB_TOOLS", "EB_TRAINING", "EB_AUTHORITY", "IS_STAY"):
            plain.locator(f'[name="q_{code}"]').fill("4")
        plain.locator('input[name="q_ENPS"][value="9"]').check()
        plain.get_by_role("button", name="提交").click()
        assert "谢谢" in plain.content()
        with store.session() as s:
            saved = s.scalars(select(EmployeeResponse)).one()
            assert saved.answers["ENPS"] == 9 and set(saved.attributes) == {"tenure", "role"}

        page = browser.new_context(**PHONE).new_page()
        page.goto(f"{live.url}/e/{links[1].token}?lang=zh-CN")
        _check(page, helpers, "employee-survey-390")
        page.goto(f"{live.url}/e?lang=zh-CN")
        _check(page, helpers, "employee-survey-code-390")
        for name in ("alice", "carol"):
            staff = browser.new_context(**PHONE).new_page()
            helpers.sign_in(staff, live.url, name, PASSWORD)
            staff.goto(f"{live.url}/staff/people?lang=zh-CN")
            assert "我的计分卡" in staff.content()
            _check(staff, helpers, f"staff-people-{name}-390")
        browser.close()
