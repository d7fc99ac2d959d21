"""In Chromium: staff signs in, sees the response rate of a wave with answers, switches to
Chinese, and downloads the CSV export — with no console errors (the CSP holds)."""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail
from tests.staff.conftest import NASTY, PASSWORD

CHROMIUM = "/usr/bin/chromium"


class LiveServer:
    """The app under uvicorn on a free loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.mark.browser
@pytest.mark.slow
def test_staff_signs_in_sees_the_rate_and_exports(app, users, survey, tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(accept_downloads=True, locale="en-US")
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            page.goto(f"{live.url}/staff/")
            assert "/staff/login" in page.url
            page.get_by_label("User name").fill("bob")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{live.url}/staff/")
            assert page.locator("td.rate").first.inner_text() == "50.0 %"

            page.get_by_role("link", name="2026-Q4").click()
            assert page.locator("#overall-rate").inner_text() == "50.0 %"
            assert page.locator("table.rates tbody tr").count() == 2
            # the respondent's markup is shown as text, not run
            assert NASTY in page.locator(".comments").inner_text()
            page.screenshot(path=str(tmp_path / "staff-wave.png"), full_page=True)

            with page.expect_download() as info:
                page.locator("#export-csv").click()
            saved = tmp_path / "export.csv"
            info.value.save_as(saved)
            rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
            assert len(rows) == survey.completed

            page.get_by_role("link", name="中文").click()
            assert "回复率" in page.locator("body").inner_text()
            page.get_by_role("link", name="全部调查批次").click()  # the choice sticks
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            assert "调查批次" in page.locator("main").inner_text()
            page.screenshot(path=str(tmp_path / "staff-wave-zh.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "staff-wave.png").stat().st_size > 1000
    assert not problems, problems
