"""In Chromium, on the demo company: the frame's pages (dashboard, users, a user, the audit
log, the set-password page, sign-in) in zh-CN and en at 1280 px and 390 px — no serious or
critical axe-core violation, no horizontal overflow, no console error (the strict CSP
holds); the phone menu opens without JavaScript; an admin invites an agent, who sets a
password through the one-time link and sees only an agent's menu."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.accounts import create_user
from cxm.config import Settings
from cxm.management import dashboard as dash
from cxm.org.models import Team
from cxm.store import Store
from cxm.web.app import create_app
from tests.browser_helpers import (
    CHROMIUM,
    SCREENSHOTS,
    assert_no_horizontal_overflow,
    axe_violations,
    launch_chromium,
    sign_in,
)
from tests.conftest import skip_or_fail
from tests.demo_db import demo_copy
from tests.staff.conftest import PASSWORD
from tests.staff.test_dashboard import prepare
from tests.staff.test_staff_browser import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENT_PASSWORD = "客户至上 every day 7"


@pytest.fixture
def demo_app(demo_db: Path, tmp_path: Path, password_hash: str):
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    path = demo_copy(demo_db, tmp_path / "demo")
    store = Store.open(f"sqlite:///{path}")
    with store.session() as s:
        create_user(s, name="boss", role="admin", password_hash=password_hash)
        team = s.scalars(select(Team.name).order_by(Team.id)).first()
    prepare(store, ["boss"])
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", env="test", secret_key="t" * 48), store=store
    )
    yield app, store, team
    dash.clear_cache()
    store.close()


def _collect_errors(into: list[str]):
    return lambda m: into.append(m.text) if m.type == "error" else None


def _check(page, what: str, problems: list[str]) -> None:
    bad = axe_violations(page)
    assert not bad, f"{what}: {bad}"
    assert_no_horizontal_overflow(page, what)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9-]+", "_", what).strip("_")
    page.screenshot(path=str(SCREENSHOTS / f"frame-{name}.png"), full_page=True)
    assert not problems, f"{what}: console errors {problems}"


def test_the_frame_pages_in_both_languages_at_both_widths(demo_app) -> None:
    from playwright.sync_api import sync_playwright

    app, store, team = demo_app
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = launch_chromium(pw)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(admin, live.url, "boss", PASSWORD)
        # Invite an agent of a team: the one-time link is shown once.
        admin.goto(f"{live.url}/staff/users?lang=en")
        admin.get_by_label("User name (letters, digits, . _ @ -)").fill("wang.fang")
        admin.get_by_label("Role", exact=True).select_option("agent")
        admin.get_by_label("Scope (how much of the company the role reaches)").select_option("team")
        admin.get_by_label("Team (needed for scope team)").select_option(team)
        admin.get_by_role("button", name="Invite").click()
        link = admin.locator("code.link").inner_text()
        admin.goto(f"{live.url}/staff/users")
        admin.get_by_role("link", name="wang.fang", exact=True).click()
        user_page = admin.url
        assert re.search(r"/staff/users/\d+$", user_page)
        assert "/staff/password/" in link

        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            problems: list[str] = []
            page.on("console", _collect_errors(problems))
            for lang in ("zh-CN", "en"):
                page.goto(f"{live.url}/staff/login?lang={lang}")
                _check(page, f"login {lang} {width}", problems)
            sign_in(page, live.url, "boss", PASSWORD)
            for lang in ("zh-CN", "en"):
                for path in (
                    "/staff/",
                    user_page.replace(live.url, ""),
                    "/staff/users",
                    "/staff/audit",
                ):
                    page.goto(f"{live.url}{path}?lang={lang}")
                    assert page.locator("h1").count() == 1
                    _check(page, f"{path} {lang} {width}", problems)
            context.close()

        # The agent follows the link on a phone, in Chinese, and signs in (her team's
        # figures worked out first: a first visit would otherwise say they are coming).
        prepare(store, ["wang.fang"])
        phone = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
        phone.goto(live.url + link[link.index("/staff/password/") :] + "?lang=zh-CN")
        _check(phone, "password zh-CN 390", [])
        phone.get_by_label("新密码").fill(AGENT_PASSWORD)
        phone.get_by_label("再次输入密码").fill(AGENT_PASSWORD)
        phone.get_by_role("button", name="设置密码").click()
        assert "已为 wang.fang 设置密码" in phone.locator("p.flash").inner_text()
        phone.get_by_label("用户名").fill("wang.fang")
        phone.get_by_label("密码", exact=True).fill(AGENT_PASSWORD)
        phone.get_by_role("button", name="登录").click()
        phone.wait_for_url(f"{live.url}/staff/")
        # On a phone the menu is folded: the agent's links only, no users or audit log.
        menu = phone.locator("details.menu")
        assert menu.is_visible() and not phone.locator("nav.main-nav").is_visible()
        menu.locator("summary").click()
        links = menu.locator("a").all_inner_texts()
        assert "用户" not in links and "审计日志" not in links and "工单" in links
        assert "净价值" not in phone.content()  # agents never see money
        _check(phone, "dashboard agent zh-CN 390", [])
        browser.close()


def test_the_phone_menu_opens_without_javascript(demo_app) -> None:
    from playwright.sync_api import sync_playwright

    app, _store, _team = demo_app
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(
            viewport={"width": 390, "height": 800}, java_script_enabled=False
        )
        page = context.new_page()
        page.goto(f"{live.url}/staff/login?lang=en")
        page.get_by_label("User name").fill("boss")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live.url}/staff/")
        assert not page.get_by_role("link", name="Audit log").is_visible()
        page.locator("details.menu summary").click()
        page.locator("details.menu").get_by_role("link", name="Audit log").click()
        page.wait_for_url(f"{live.url}/staff/audit")
        # The wave picker is a plain form: it works without JavaScript too.
        page.goto(f"{live.url}/staff/")
        options = page.locator("#wave option").all_inner_texts()
        page.locator("#wave").select_option(index=0)
        page.get_by_role("button", name="Show").click()
        assert "wave=" in page.url
        assert options[0].split(" (")[0] in page.locator("article.kpi h3").first.inner_text()
        browser.close()
