"""The demo company's report in a real Chromium: no console errors, no network request,
every section found by its title in English and in Chinese, and a screenshot saved."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

import pytest

from cxm.i18n import language
from cxm.reports import STORE_SECTIONS
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_report_opens_cleanly_with_every_section(  # type: ignore[no-untyped-def]
    browser, report_files: dict[str, Path], lang: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_files[lang].as_uri())
    page.wait_for_selector(".plot .main-svg")  # Plotly has drawn
    for key in STORE_SECTIONS:
        with language(lang):
            title = import_module(f"cxm.reports.sections.{key}").title()
        heading = page.locator(f"section#{key} > h2")
        assert heading.count() == 1, key
        assert title in heading.inner_text()
        assert page.locator(f"section#{key} .unavailable").count() == 0, key
    assert page.locator(".plot .main-svg").count() >= 8
    shot = tmp_path / f"report-{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert errors == []
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    page.close()
