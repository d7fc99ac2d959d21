"""In Chromium, an agent's day: open the inbox, take a case from the queue, hand one over,
resolve another with compensation; the follow-up survey goes out by e-mail, the "customer"
answers it in the browser that the problem is not solved, and the case comes back reopened.
At 390 px the inbox and the case page have no horizontal overflow."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.cases.followup import collect_answers, send_followups
from cxm.cases.models import Case
from cxm.cases.service import open_case
from cxm.config import load_settings
from cxm.store import Store
from tests.conftest import skip_or_fail
from tests.staff.conftest import PASSWORD, Survey
from tests.staff.test_staff_browser import CHROMIUM, LiveServer
from tests.test_cases_followup import _Inbox
from tests.test_surveys_email import _free_port


@pytest.mark.browser
@pytest.mark.slow
def test_an_agents_day(app: Any, store: Store, users: dict[str, str], survey: Survey) -> None:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is not installed")
    from aiosmtpd.controller import Controller
    from playwright.sync_api import sync_playwright

    with store.session() as s:
        queued, _n = open_case(
            s, customer="C1", type="complaint", subject="Parcel never came", emotion="angry"
        )
        other, _n = open_case(s, customer="C2", type="complaint", subject="Invoice wrong")
        queued_id, other_id = queued.id, other.id
    box = _Inbox()
    port = _free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    problems: list[str] = []
    try:
        with LiveServer(app) as live, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{live.url}/staff/login")
            page.get_by_label("User name").fill("carol")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{live.url}/staff/cases")
            assert "You own no open case" in page.content()
            page.get_by_role("link", name="All open cases").click()
            page.get_by_role("link", name="Parcel never came").click()
            page.get_by_role("button", name="Take this case").click()
            page.get_by_role("button", name="Acknowledge").click()
            assert "acknowledged" in page.locator("dl.facts").inner_text()
            # The other case: take it, then hand it over to alice with a reason; it leaves
            # carol's hands (and her sight: it is no longer hers nor in the open queue).
            page.goto(f"{live.url}/staff/cases/{other_id}")
            page.get_by_role("button", name="Take this case").click()
            page.locator("summary", has_text="Hand over").click()
            page.get_by_label("New owner").select_option(label="alice")
            page.get_by_label("Why").fill("Billing question: alice owns invoices")
            page.get_by_role("button", name="Hand over").last.click()
            with store.session() as s:
                handed = s.get(Case, other_id)
                assert handed is not None and handed.handoffs == 1
                assert handed.owner_user_id == s.scalar(
                    select(StaffUser.id).where(StaffUser.name == "alice")
                )
            # Resolve the first with an apology and compensation within the agent's limit.
            page.goto(f"{live.url}/staff/cases/{queued_id}")
            page.get_by_label("Apology").fill("We are sorry the parcel was lost")
            page.get_by_label("Compensation (CNY)").fill("80")
            page.get_by_label("Kind of compensation").fill("voucher")
            page.get_by_label("Emotion at closing").select_option("happy")
            page.get_by_role("button", name="Resolve").last.click()
            assert "resolved" in page.locator("dl.facts").inner_text()

            # The worker sends the follow-up; the customer answers "not solved".
            settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url=live.url)
            assert send_followups(store, settings, worker="t").sent == 1
            body = box.messages[0].get_payload(decode=True).decode()  # type: ignore[union-attr]
            link = re.search(r"(http://\S+/r/\S+)", body).group(1)  # type: ignore[union-attr]
            customer = browser.new_page(viewport={"width": 390, "height": 800})
            customer.goto(link + "?lang=en")
            customer.get_by_role("radio", name="No", exact=True).check()
            customer.locator("input[name=q_FU_CSAT][value='2']").check()
            customer.locator("input[name=q_FU_REC][value='3']").check()
            customer.get_by_role("button", name="Submit").click()
            assert "Thank you" in customer.content()
            with store.session() as s:
                assert collect_answers(s)["reopened"] == 1
            page.reload()
            facts = page.locator("dl.facts").inner_text()
            assert "in progress" in facts
            assert "follow-up answered" in page.locator("ol.history").inner_text()

            # A phone: no horizontal overflow on the inbox or the case page.
            phone = browser.new_page(viewport={"width": 390, "height": 800})
            phone.context.add_cookies(page.context.cookies())
            for path in ("/staff/cases?view=all", f"/staff/cases/{queued_id}", "/feedback"):
                phone.goto(live.url + path)
                width = phone.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (path, width)
            browser.close()
    finally:
        smtp.stop()
    with store.session() as s:
        assert s.scalar(select(StaffUser.id).where(StaffUser.name == "carol"))
    assert not problems, problems
