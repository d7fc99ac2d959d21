"""A follow-up answer reopens its case from the outbox: the answer's own
``responses.completed`` job links it and reopens (or closes) the case within seconds, once,
even with two workers and the sweep racing; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from cxm.cases.codes import CaseStatus, EventKind
from cxm.cases.followup import collect_answers
from cxm.cases.models import Case, CaseEvent, CaseFollowUp
from cxm.config import load_settings
from cxm.jobs import Job, JobStatus, Worker
from cxm.jobs.outbox import ANSWER_COMPLETED
from cxm.store import Store
from cxm.surveys.invitations import issue_links
from cxm.surveys.responses import submit_page
from tests.case_factories import T0
from tests.test_cases_followup import _resolved_cases

LOW = {"FU_SOLVED": "no", "FU_CSAT": "2", "FU_REC": "3"}
GOOD = {"FU_SOLVED": "yes", "FU_CSAT": "5", "FU_REC": "10"}


def _answer(store: Store, cases: list[int], answers: list[dict[str, str]]) -> None:
    """Each case's customer answers its follow-up on the real save path."""
    with store.session() as s:
        invitations = dict(
            s.execute(
                select(CaseFollowUp.case_id, CaseFollowUp.invitation_id).where(
                    CaseFollowUp.case_id.in_(cases)
                )
            ).all()
        )
        tokens = issue_links(s, invitation_ids=list(invitations.values()))
    for case_id, raw in zip(cases, answers, strict=True):
        submit_page(
            store, token=tokens[invitations[case_id]], page=0, raw=raw, now=T0 + timedelta(hours=5)
        )


def _events(store: Store, kind: EventKind) -> dict[int, int]:
    with store.session() as s:
        return dict(
            s.execute(
                select(CaseEvent.case_id, func.count())
                .where(CaseEvent.kind == kind)
                .group_by(CaseEvent.case_id)
            ).all()
        )


def test_the_answers_job_reopens_a_case_on_a_low_answer(store: Store) -> None:
    low, good = _resolved_cases(store, 2)
    _answer(store, [low, good], [LOW, GOOD])
    Worker(store, load_settings(), names=[ANSWER_COMPLETED]).run(once=True)
    with store.session() as s:
        reopened, closed = s.get(Case, low), s.get(Case, good)
        assert reopened is not None and reopened.status == CaseStatus.IN_PROGRESS
        assert reopened.reopened == 1
        assert closed is not None and closed.status == CaseStatus.CLOSED
        fu = s.scalar(select(CaseFollowUp).where(CaseFollowUp.case_id == low))
        assert fu is not None and fu.answered_at is not None
        assert (fu.solved, fu.handling_csat, fu.recommend) == (False, 2, 3)
        statuses = set(s.scalars(select(Job.status).where(Job.name == ANSWER_COMPLETED)))
    assert statuses == {JobStatus.DONE}
    assert _events(store, EventKind.FOLLOWUP_ANSWERED) == {low: 1, good: 1}
    with store.session() as s:  # the sweep finds nothing left to do
        assert collect_answers(s)["answered"] == 0


def test_two_workers_and_the_sweep_racing_reopen_each_case_once(store: Store) -> None:
    cases = _resolved_cases(store, 16)
    answers = [LOW if i % 4 else GOOD for i in range(len(cases))]
    _answer(store, cases, answers)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def work() -> None:
        barrier.wait()
        try:
            Worker(store, load_settings(), names=[ANSWER_COMPLETED]).run(once=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def sweep() -> None:
        barrier.wait()
        try:
            with store.writing(), store.session() as s:
                collect_answers(s)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=f) for f in (work, work, sweep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    Worker(store, load_settings(), names=[ANSWER_COMPLETED]).run(once=True)  # retries, if any
    with store.session() as s:
        collect_answers(s)
    low = [c for c, a in zip(cases, answers, strict=True) if a is LOW]
    good = [c for c in cases if c not in low]
    assert _events(store, EventKind.FOLLOWUP_ANSWERED) == dict.fromkeys(cases, 1)
    with store.session() as s:
        rows = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(cases)))}
        reopen_events = s.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id.in_(cases), CaseEvent.to_status == "in_progress")
            .where(CaseEvent.from_status.in_(["resolved", "closed"]))
        )
    assert all(rows[c].reopened == 1 and rows[c].status == CaseStatus.IN_PROGRESS for c in low)
    assert all(rows[c].reopened == 0 and rows[c].status == CaseStatus.CLOSED for c in good)
    assert reopen_events == len(low)
    # Answered later (a day on), nothing is linked or reopened twice.
    with store.session() as s:
        assert collect_answers(s, now=rows[cases[0]].updated_at + timedelta(days=1)) == {
            "answered": 0,
            "reopened": 0,
            "closed": 0,
        }
