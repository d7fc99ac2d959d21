"""The follow-up survey closes the loop: sent once by racing workers to a real local SMTP
server, answered through the respondent's own save path, and a low answer reopens."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.cases.codes import CaseStatus, EventKind
from cxm.cases.followup import collect_answers, send_followups
from cxm.cases.models import Case, CaseEvent, CaseFollowUp
from cxm.cases.recovery import resolve_case
from cxm.cases.service import open_case
from cxm.cases.worker import check_clocks, close_unanswered
from cxm.config import load_settings
from cxm.store import Store
from cxm.surveys.responses import save_page
from tests.case_factories import T0, staff
from tests.survey_factories import add_customers
from tests.test_surveys_email import _free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Any:
    from aiosmtpd.controller import Controller

    box = _Inbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _resolved_cases(store: Store, n: int) -> list[int]:
    add_customers(store, n)
    ids = staff(store)
    out = []
    with store.session() as s:
        for i in range(n):
            case, _new = open_case(
                s,
                customer=f"C{i:05d}",
                type="complaint",
                subject=f"Problem {i}",
                owner_user_id=ids["carol"],
                now=T0,
            )
            resolve_case(
                s,
                case_id=case.id,
                version=case.version,
                actor_user_id=ids["carol"],
                now=T0 + timedelta(hours=2),
            )
            out.append(case.id)
    return out


def _token(msg: Message) -> str:
    body = msg.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"/r/([A-Za-z0-9_-]+)", body.decode("utf-8"))
    assert found
    return found.group(1)


def test_two_workers_send_each_follow_up_once(store: Store, inbox: Any) -> None:
    box, port = inbox
    cases = _resolved_cases(store, 12)
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url="http://x.test")
    results: list[Any] = []

    def worker(name: str) -> None:
        results.append(send_followups(store, settings, worker=name, now=T0 + timedelta(hours=3)))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in results) == 12
    assert len(box.messages) == 12
    assert len({m["Message-ID"] for m in box.messages}) == 12
    assert all(m["Date"] for m in box.messages)
    # A later pass sends nothing again.
    assert send_followups(store, settings, worker="w3").sent == 0
    with store.session() as s:
        assert s.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.kind == EventKind.FOLLOWUP_SENT)
        ) == len(cases)


def test_a_low_answer_reopens_and_a_good_one_closes(store: Store, inbox: Any) -> None:
    box, port = inbox
    first, second = _resolved_cases(store, 2)
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url="http://x.test")
    send_followups(store, settings, worker="w", now=T0 + timedelta(hours=3))
    by_case = {
        int(re.search(r"case-(\d+)-", m["Message-ID"]).group(1)): _token(m)  # type: ignore[union-attr]
        for m in box.messages
    }
    with store.session() as s:  # the customers answer on the real form
        save_page(
            s,
            token=by_case[first],
            page=0,
            raw={"FU_SOLVED": "no", "FU_CSAT": "2", "FU_REC": "3"},
            now=T0 + timedelta(hours=5),
        )
        save_page(
            s,
            token=by_case[second],
            page=0,
            raw={"FU_SOLVED": "yes", "FU_CSAT": "5", "FU_REC": "10"},
            now=T0 + timedelta(hours=5),
        )
    with store.session() as s:
        counts = collect_answers(s, now=T0 + timedelta(days=1))
    assert counts == {"answered": 2, "reopened": 1, "closed": 1}
    with store.session() as s:
        reopened = s.get(Case, first)
        closed = s.get(Case, second)
        assert reopened is not None and reopened.status == CaseStatus.IN_PROGRESS
        assert reopened.reopened == 1 and reopened.resolved_at is None
        assert closed is not None and closed.status == CaseStatus.CLOSED
        fu = s.scalar(select(CaseFollowUp).where(CaseFollowUp.case_id == first))
        assert fu is not None and fu.solved is False and fu.handling_csat == 2
    with store.session() as s:  # nothing twice
        assert collect_answers(s)["answered"] == 0


def test_clocks_escalate_each_breach_once_under_racing_workers(store: Store) -> None:
    add_customers(store, 30)
    with store.session() as s:
        for i in range(30):
            open_case(s, customer=f"C{i:05d}", type="complaint", subject="x", now=T0)
    late = T0 + timedelta(hours=30)  # first response (24 h) breached for all
    results: list[dict[str, int]] = []

    def worker() -> None:
        with store.session() as s:
            results.append(check_clocks(s, now=late))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["escalated"] for r in results) == 30
    with store.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.kind == EventKind.ESCALATED)
            )
            == 30
        )
        assert check_clocks(s, now=late + timedelta(hours=1))["escalated"] == 0


def test_a_warning_comes_before_the_deadline(store: Store) -> None:
    add_customers(store, 1)
    with store.session() as s:
        open_case(s, customer="C00000", type="enquiry", subject="x", now=T0)
    with store.session() as s:
        assert check_clocks(s, now=T0 + timedelta(hours=10)) == {"escalated": 0, "warned": 0}
        # Respond so the first-response clock is met, then pass 75 % of the 72 h.
    with store.session() as s:
        s.execute(Case.__table__.update().values(first_response_at=T0 + timedelta(hours=1)))
    with store.session() as s:
        assert check_clocks(s, now=T0 + timedelta(hours=55)) == {"escalated": 0, "warned": 1}
        assert check_clocks(s, now=T0 + timedelta(hours=56))["warned"] == 0


def test_unanswered_follow_ups_close_their_cases(store: Store, inbox: Any) -> None:
    _box, port = inbox
    _resolved_cases(store, 3)
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, base_url="http://x.test")
    send_followups(store, settings, worker="w", now=T0 + timedelta(hours=3))
    with store.session() as s:
        assert close_unanswered(s, now=T0 + timedelta(days=10)) == 0
        assert close_unanswered(s, now=T0 + timedelta(days=15)) == 3


def test_a_breach_is_escalated_to_the_lead_of_the_owners_team(store: Store) -> None:
    from cxm.org.models import Employee, Team

    add_customers(store, 1)
    ids = staff(store)
    with store.session() as s:
        team = Team(name="Hotline")
        s.add(team)
        s.flush()
        lead = Employee(
            external_id="E1", name="Lead Li", team_id=team.id, staff_user_id=ids["alice"]
        )
        s.add(lead)
        s.flush()
        team.lead_id = lead.id
        open_case(
            s,
            customer="C00000",
            type="complaint",
            subject="x",
            team_id=team.id,
            owner_user_id=ids["carol"],
            now=T0,
        )
    with store.session() as s:
        assert check_clocks(s, now=T0 + timedelta(hours=30))["escalated"] == 1
        event = s.scalar(select(CaseEvent).where(CaseEvent.kind == EventKind.ESCALATED))
        assert event is not None
        assert event.data["lead_user_id"] == ids["alice"]
        assert event.data["clock"] == "first_response"


def test_the_loop_runs_as_a_job_of_the_shared_runner(store: Store) -> None:
    """``cases.sweep`` enqueued twice under one key runs once and escalates each breach once."""
    from cxm.jobs.outbox import enqueue
    from cxm.jobs.worker import Worker

    add_customers(store, 3)
    with store.session() as s:
        for i in range(3):
            open_case(
                s, customer=f"C{i:05d}", type="complaint", subject="x", now=T0 - timedelta(days=30)
            )
        enqueue(s, "cases.sweep", {}, key="cases.sweep:minute-1")
        enqueue(s, "cases.sweep", {}, key="cases.sweep:minute-1")
    outcome = Worker(store, load_settings()).run(once=True)
    assert outcome.as_dict().get("done") == 1
    with store.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.kind == EventKind.ESCALATED)
            )
            == 3
        )
