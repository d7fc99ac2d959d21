"""In Chromium on a phone-sized screen: a respondent answers in Chinese, leaves mid-way,
comes back with the same link and finishes; a double submit leaves one response; no
console errors (the CSP holds: no inline script or style)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.store import Store
from cxm.surveys.models import Answer, Response
from tests.conftest import skip_or_fail
from tests.survey_factories import LiveServer, make_app, wave_with_links

CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.mark.browser
@pytest.mark.slow
def test_a_respondent_leaves_comes_back_and_finishes_on_a_phone(
    store: Store, tmp_path: Path
) -> None:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    _wave, (token, *_rest) = wave_with_links(store)
    problems: list[str] = []

    def on_console(m) -> None:  # type: ignore[no-untyped-def]
        # A page answered with 422 (refused answers) or 404 (used link) on purpose is logged
        # by Chromium as a failed load; every other error counts.
        deliberate = m.text.startswith("Failed to load resource") and "/r/" in m.location.get(
            "url", ""
        )
        if m.type == "error" and not deliberate:
            problems.append(f"{m.text} at {m.location}")

    def watch(page):  # type: ignore[no-untyped-def]
        page.on("console", on_console)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    with LiveServer(make_app(store)) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            first = browser.new_context(**PHONE)  # type: ignore[arg-type]
            page = watch(first.new_page())
            page.goto(f"{live.url}/r/{token}?lang=zh-CN")
            assert page.locator("h1").inner_text() == "简短调查"
            assert "第 1 页，共 2 页" in page.locator(".progress").inner_text()
            page.locator("#q-SAT").get_by_label("不满意", exact=True).check()
            page.locator("#q-NPS").get_by_label("3", exact=True).check()
            page.locator("#in-AGE").fill("四十")  # not a number: refused, other answers kept
            page.get_by_role("button", name="下一页").click()
            assert "请填写数字。" in page.locator("#q-AGE").inner_text()
            assert page.locator("#q-SAT").get_by_label("不满意", exact=True).is_checked()
            page.locator("#in-AGE").fill("41")
            page.get_by_role("button", name="下一页").click()
            page.wait_for_url("**page=1**")
            assert "为什么不满意" in page.content()
            first.close()  # leaves mid-way: no cookie, no local state survives

            again = browser.new_context(**PHONE)  # type: ignore[arg-type]
            page = watch(again.new_page())
            page.goto(f"{live.url}/r/{token}?lang=zh-CN")
            assert "第 2 页，共 2 页" in page.locator(".progress").inner_text()
            page.get_by_role("button", name="上一页").click()
            assert page.locator("#q-SAT").get_by_label("不满意", exact=True).is_checked()
            assert page.locator("#in-AGE").input_value() == "41"
            # Keyboard only: arrow to another answer, Enter goes forward (not back).
            page.locator("#q-SAT").get_by_label("不满意", exact=True).focus()
            page.keyboard.press("ArrowLeft")
            assert page.locator("#q-SAT").get_by_label("很不满意", exact=True).is_checked()
            page.keyboard.press("Enter")
            page.wait_for_url("**page=1**")
            page.locator("#q-WHY").get_by_label("员工", exact=True).check()
            page.locator("#q-CHANNELS").get_by_label("门店", exact=True).check()
            page.locator("#in-COMMENT").fill("希望服务更快一些 <b>谢谢</b>")
            page.screenshot(path=str(tmp_path / "respond-phone.png"), full_page=True)
            page.get_by_role("button", name="提交").dblclick()
            page.wait_for_selector("text=谢谢您！")
            page.go_back()  # the back button, then the same link again: no second response
            used = again.new_page()  # not watched: the used link's 404 is logged by design
            used.goto(f"{live.url}/r/{token}?lang=zh-CN")
            assert "无法使用" in used.locator("main").inner_text()
            again.close()
        finally:
            browser.close()
    assert (tmp_path / "respond-phone.png").stat().st_size > 10_000
    with store.session() as s:
        assert s.scalar(select(func.count(Response.id))) == 1
        response = s.scalar(select(Response))
        assert response is not None and response.completed_at is not None
        assert response.language == "zh-CN"
        comment = s.scalar(select(Answer.text).where(Answer.question_code == "COMMENT"))
        sat = s.scalar(select(Answer.number).where(Answer.question_code == "SAT"))
    assert sat == 1.0
    assert comment == "希望服务更快一些 <b>谢谢</b>"
    assert problems == [], problems
