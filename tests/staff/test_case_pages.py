"""The agent's inbox and case pages, and the public complaint form, over real HTTP on
SQLite and PostgreSQL (no JavaScript: plain forms, CSRF, post/redirect/get)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from cxm.cases.models import Case, RecoveryAction
from cxm.cases.service import open_case
from cxm.customers.models import Purchase
from cxm.store import Store
from tests.staff.conftest import Survey, csrf_from, login


def _case(store: Store, owner: str = "carol") -> int:
    from cxm.accounts.models import StaffUser

    with store.session() as s:
        uid = s.scalar(select(StaffUser.id).where(StaffUser.name == owner))
        from datetime import date
        from decimal import Decimal

        s.add(
            Purchase(
                external_id="P1",
                customer_id=2,
                purchased_on=date(2026, 1, 5),
                product="Kettle",
                quantity=Decimal(1),
                revenue=Decimal("388.00"),
                cost=Decimal("200.00"),
            )
        )
        case, _new = open_case(
            s,
            customer="C1",
            type="complaint",
            subject="Kettle leaks",
            text="It leaks <b>everywhere</b>",
            emotion="angry",
            owner_user_id=uid,
        )
        return case.id


def test_an_agent_works_a_case_in_the_browser(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    cid = _case(store)
    assert login(client, "carol").status_code == 303
    inbox = client.get("/staff/cases")
    assert inbox.status_code == 200 and "Kettle leaks" in inbox.text
    page = client.get(f"/staff/cases/{cid}")
    assert page.status_code == 200
    assert "&lt;b&gt;everywhere&lt;/b&gt;" in page.text  # the customer's words, escaped
    assert "388" not in page.text  # an agent sees no money
    with store.session() as s:  # deadlines shown on the company's clock (Asia/Shanghai)
        from zoneinfo import ZoneInfo

        due = s.get(Case, cid).resolution_due  # type: ignore[union-attr]
        due = due if due.tzinfo else due.replace(tzinfo=ZoneInfo("UTC"))
        shown = due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert shown in page.text
    token = csrf_from(page.text)
    r = client.post(
        f"/staff/cases/{cid}/act",
        data={"csrf_token": token, "version": "1", "action": "acknowledge"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    stale = client.post(
        f"/staff/cases/{cid}/act", data={"csrf_token": token, "version": "1", "action": "start"}
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    r = client.post(
        f"/staff/cases/{cid}/note",
        data={"csrf_token": token, "note": "Rang her", "contact": "true"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/staff/cases/{cid}/resolve",
        data={
            "csrf_token": token,
            "version": "2",
            "apology": "Sorry",
            "compensation": "50",
            "compensation_kind": "voucher",
            "emotion_out": "happy",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with store.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.status.value == "resolved"
        assert len(list(s.scalars(select(RecoveryAction)))) == 2
    without = client.post(f"/staff/cases/{cid}/note", data={"note": "x"})
    assert without.status_code == 403  # no CSRF token, nothing written


def test_only_roles_that_see_money_see_the_customers_money(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    cid = _case(store)
    login(client, "alice")  # admin: acts on cases and sees money
    assert "388" in client.get(f"/staff/cases/{cid}").text
    client.post("/staff/logout", data={"csrf_token": csrf_from(client.get("/staff/cases").text)})
    login(client, "bob")  # analyst: reads reports, does not work cases
    assert client.get(f"/staff/cases/{cid}").status_code == 403


def test_staff_open_a_case_by_hand(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    login(client, "carol")
    form = client.get("/staff/cases/new")
    token = csrf_from(form.text)
    bad = client.post(
        "/staff/cases/new", data={"csrf_token": token, "customer": "NOPE", "subject": "x"}
    )
    assert bad.status_code == 404 and "No customer NOPE" in bad.text
    r = client.post(
        "/staff/cases/new",
        data={"csrf_token": token, "customer": "C2", "subject": "Wrong invoice", "type": "enquiry"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and re.fullmatch(r"/staff/cases/\d+", r.headers["location"])


def test_the_public_form_files_a_case_and_gives_its_number(
    client: Any, store: Store, survey: Survey
) -> None:
    form = client.get("/feedback?lang=zh-CN")
    assert form.status_code == 200 and "24" in form.text
    r = client.post(
        "/feedback",
        data={"type": "complaint", "text": "快递员态度很差\n还摔了包裹", "email": "C1@example.com"},
    )
    assert r.status_code == 200
    number = re.search(
        r"(\d+)",
        r.text.split("case number is")[-1] if "case number" in r.text else r.text.split("编号")[-1],
    )
    assert number
    with store.session() as s:
        case = s.get(Case, int(number.group(1)))
        assert case is not None and case.subject == "快递员态度很差"
        assert case.customer_id == 2  # matched by e-mail, case-insensitively
    unknown = client.post(
        "/feedback",
        data={
            "type": "suggestion",
            "text": "Open earlier",
            "phone": "+86 138-0013-8000",
            "name": "Wang",
        },
    )
    assert unknown.status_code == 200
    for data, word in (
        ({"text": "", "email": "a@b.cn"}, "what happened"),
        ({"text": "hi"}, "e-mail address or a phone"),
        ({"text": "a\x00b", "email": "a@b.cn"}, "control character"),
    ):
        bad = client.post("/feedback", data=data)
        assert bad.status_code == 422 and word in bad.text, bad.text
    for _i in range(3):
        client.post("/feedback", data={"text": "again", "email": "x@y.cn"})
    limited = client.post("/feedback", data={"text": "again", "email": "x@y.cn"})
    assert limited.status_code == 429


def test_the_case_page_shows_what_the_texts_say_and_the_agent_accepts_it(
    client: Any, store: Store, users: dict[str, str], survey: Survey
) -> None:
    """The case's words read on arrival by the worker, shown masked with suggestions; the
    agent accepts one fault and the emotion; a fault not found is refused."""
    from cxm.accounts.models import StaffUser
    from cxm.cases.texts import TEXT_JOB
    from cxm.config import load_settings
    from cxm.jobs.worker import Worker
    from cxm.text.models import TextEntry

    with store.session() as s:
        uid = s.scalar(select(StaffUser.id).where(StaffUser.name == "carol"))
        case, _new = open_case(
            s,
            customer="C1",
            type="complaint",
            subject="水壶漏水",
            text="客服推三阻四，转了好几个部门，太过分了！我的电话 13812345678",
            owner_user_id=uid,
        )
        cid = case.id
    assert Worker(store, load_settings(), names=[TEXT_JOB]).run(once=True).done == 1
    assert login(client, "carol").status_code == 303
    page = client.get(f"/staff/cases/{cid}")
    assert page.status_code == 200
    found = page.text.split('id="h-read"')[1]  # the section "What the texts say"
    assert "[PHONE]" in found and "13812345678" not in found  # masked where shown
    assert 'value="passing_the_buck"' in found and 'value="angry"' in found
    with store.session() as s:
        entry = s.scalar(select(TextEntry.id).where(TextEntry.case_id == cid))
    r = client.post(
        f"/staff/cases/{cid}/accept",
        data={
            "csrf_token": csrf_from(page.text),
            "version": "1",
            "entry": str(entry),
            "faults": ["passing_the_buck"],
            "emotion": "angry",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = client.post(
        f"/staff/cases/{cid}/accept",
        data={
            "csrf_token": csrf_from(page.text),
            "version": "2",
            "entry": str(entry),
            "faults": ["coldness"],
        },
    )
    assert bad.status_code == 422 and "coldness" in bad.text  # the case page with the reason
    with store.session() as s:
        done = s.get(Case, cid)
        assert done is not None and done.faults == ["passing_the_buck"]
        assert done.emotion_in is not None and done.emotion_in.value == "angry"
