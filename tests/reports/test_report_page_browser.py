"""The kept report at /staff/reports in a real Chromium on a phone (390 px): no horizontal
overflow (tables scroll inside their own box, charts and the NPS scale shrink), the model's
constructs named in Chinese, no developer lines, and a screenshot."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from cxm.accounts import create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.report_cache.snapshots import build_snapshots, wave_choices
from cxm.store import Store
from cxm.web.app import create_app
from tests.browser_helpers import axe_violations
from tests.conftest import skip_or_fail
from tests.staff.test_staff_browser import CHROMIUM, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def kept_company(report_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the report company with its report kept in both languages."""
    path = tmp_path_factory.mktemp("kept-report") / "cxm.db"
    shutil.copyfile(report_db.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    store = Store.open(url)
    try:
        with store.session() as s:
            create_user(s, name="mei", role="manager", password_hash=hash_password(PASSWORD))
            wave_id = wave_choices(s)[0].id
        build_snapshots(store, wave_id=wave_id, segment="", lang="zh-CN", min_n=30)
    finally:
        store.close()
    return url


def test_the_report_reads_on_a_phone_in_chinese(kept_company: str) -> None:
    lang = "zh-CN"
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    store = Store.open(kept_company)
    app = create_app(
        Settings(database_url=kept_company, env="test", secret_key="p" * 48), store=store
    )
    try:
        with LiveServer(app) as live, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = browser.new_page(viewport={"width": 390, "height": 844})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live.url}/staff/login?lang={lang}")
            page.locator("input[name=name]").fill("mei")
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form.login button[type=submit]").click()
            page.goto(f"{live.url}/staff/reports?lang={lang}")
            assert page.locator("section#model .diagram svg").count() == 1
            width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                """() => [...document.querySelectorAll('.report-body *')]
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                     .filter(e => !e.closest('.table-wrap, .scroll, .diagram'))
                     .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
            )
            assert width <= 390, (width, wide)
            assert wide == [], wide
            model = page.locator("section#model").inner_text()
            assert "顾客满意度" in model and "感知质量" in model
            assert "Satisfaction" not in model and "Quality" not in model
            body = page.locator(".report-body").inner_text()
            # No developer lines ("来源：cxm … --json"); "来源" alone is a word of the texts.
            assert re.search(r"(Source|来源)[:：]\s*cxm", body) is None and "--json" not in body
            bad = [f"{v['id']}: {v['help']} {v['nodes']}" for v in axe_violations(page)]
            assert not bad, bad  # no serious or critical axe-core violation
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"report-390-{lang}.png"), full_page=True)
            assert errors == []
            browser.close()
    finally:
        store.close()
