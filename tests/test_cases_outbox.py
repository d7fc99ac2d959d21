"""The closed loop's outbox: a completed answer writes its job in its own transaction (on
both save paths), a worker runs the case rules on it within seconds, and under 200
concurrent web submissions with retries each qualifying answer gets exactly one case —
while the sweep races the outbox for the same answers — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cxm.cases.models import Case
from cxm.cases.rules import load_rules, run_rules
from cxm.config import load_settings
from cxm.jobs.models import Job, JobStatus
from cxm.jobs.outbox import ANSWER_COMPLETED, answer_completed_key
from cxm.jobs.registry import get_job
from cxm.jobs.worker import Worker
from cxm.store import Store
from cxm.surveys.models import Answer, Response
from cxm.surveys.responses import submit_page
from tests.survey_factories import ONE_PAGE, SHORT, ServedProcess, wave_with_links

RULES = "rules:\n  - {name: detractor, when: {any: [{question: NPS, at_most: 6}]}}\n"


def _load_rules(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    with store.session() as s:
        load_rules(s, path=path)


def _jobs(store: Store) -> list[tuple[str, str | None, dict[str, object], JobStatus]]:
    with store.session() as s:
        return [
            (j.name, j.key, dict(j.payload), j.status)
            for j in s.scalars(select(Job).where(Job.name == ANSWER_COMPLETED).order_by(Job.id))
        ]


def test_both_save_paths_write_the_outbox_row_with_the_answer(store: Store) -> None:
    """One page: the first-save short path (one statement on PostgreSQL). Two pages: the
    second page completes through the session path. Only completion writes a row."""
    _w, (one,) = wave_with_links(store, customers=1, definition=ONE_PAGE, name="one")
    first = submit_page(store, token=one, page=0, raw={"SAT": "4", "NPS": "3"})
    assert first.completed
    assert _jobs(store) == [
        (
            ANSWER_COMPLETED,
            answer_completed_key(first.response_id),
            {"response_id": first.response_id},
            JobStatus.QUEUED,
        )
    ]
    two = _second_wave_token(store)
    started = submit_page(store, token=two, page=0, raw={"SAT": "4", "NPS": "9"})
    assert not started.completed and len(_jobs(store)) == 1  # a started answer: no row
    done = submit_page(store, token=two, page=1, raw={"CHANNELS": ["web"]})
    assert done.completed and done.response_id == started.response_id
    assert [j[2] for j in _jobs(store)] == [
        {"response_id": first.response_id},
        {"response_id": done.response_id},
    ]


def _second_wave_token(store: Store) -> str:
    """A link of a wave of the two-page SHORT questionnaire to the customer made above."""
    from datetime import date, timedelta

    from cxm.surveys.invitations import issue_links
    from cxm.surveys.loader import parse_definition
    from cxm.surveys.questionnaires import save_questionnaire
    from cxm.surveys.waves import create_wave, sample_wave

    with store.session() as s:
        saved = save_questionnaire(s, definition=parse_definition(SHORT))
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name="two",
            opens_on=date.today() - timedelta(days=1),
            closes_on=date.today() + timedelta(days=30),
            quiet_days=0,
        )
        result = sample_wave(s, wave_id=wave.id, seed=1)
        return issue_links(s, invitation_ids=result.invitation_ids)[result.invitation_ids[0]]


def test_the_fast_path_writes_the_registered_attempts() -> None:
    from cxm.surveys.first_save import _JOB_PARAMS

    assert _JOB_PARAMS["job_attempts"] == get_job(ANSWER_COMPLETED).max_attempts
    assert _JOB_PARAMS["job_name"] == ANSWER_COMPLETED


def test_a_worker_opens_the_detractors_case_from_the_outbox(store: Store, tmp_path: Path) -> None:
    _load_rules(store, tmp_path)
    _w, tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    ids = [
        submit_page(store, token=t, page=0, raw={"SAT": "3", "NPS": nps}).response_id
        for t, nps in zip(tokens, ["2", "9", "6"], strict=True)
    ]
    outcome = Worker(store, load_settings(), names=[ANSWER_COMPLETED]).run(once=True)
    assert outcome.done == 3
    with store.session() as s:
        opened = dict(s.execute(select(Case.source_key, Case.response_id)).all())
    assert opened == {
        f"rule:detractor:response:{ids[0]}": ids[0],
        f"rule:detractor:response:{ids[2]}": ids[2],
    }
    assert {j[3] for j in _jobs(store)} == {JobStatus.DONE}
    with store.session() as s:  # the sweep after it finds them and opens nothing more
        assert run_rules(s)["opened"] == 0


def test_a_batched_job_runs_its_queued_jobs_together(store: Store, tmp_path: Path) -> None:
    from cxm.jobs import enqueue
    from tests import job_samples  # noqa: F401 - registers tests.batched

    log = tmp_path / "batches"
    with store.session() as s:
        for n in range(10):
            enqueue(s, "tests.batched", {"n": n, "log": str(log)})
    worker = Worker(store, load_settings(), names=["tests.batched"], modules=["tests.job_samples"])
    assert worker.run(once=True).done == 10
    batches = [line.split() for line in log.read_text().splitlines()]
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(int(n) for b in batches for n in b) == list(range(10))
    with store.session() as s:
        assert s.scalar(select(func.count()).where(Job.name == "tests.effect")) == 10
        assert set(s.scalars(select(Job.status).where(Job.name == "tests.batched"))) == {
            JobStatus.DONE
        }


@pytest.mark.slow
def test_200_concurrent_web_submissions_with_retries_open_each_case_once(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    """200 links answered through ``cxm serve`` from 40 threads, 10 % of them sent twice at
    once (a retry of the same answer); two workers drain the outbox meanwhile and the sweep
    races them. Exactly one case per detractor (NPS ≤ 6), none for the others, each opened
    within a minute of its answer."""
    _load_rules(store, tmp_path)
    _w, tokens = wave_with_links(store, customers=200, definition=ONE_PAGE)
    rng = random.Random(16)
    nps = {t: rng.randint(0, 10) for t in tokens}
    retried = set(rng.sample(tokens, 20))
    sends = [t for t in tokens for _copy in range(2 if t in retried else 1)]
    rng.shuffle(sends)
    worker = Worker(store, load_settings(), names=[ANSWER_COMPLETED], concurrency=2, poll_s=0.2)
    workers = threading.Thread(target=worker.run, daemon=True)
    stop_sweep = threading.Event()
    sweep_errors: list[BaseException] = []

    def sweeping() -> None:
        while not stop_sweep.wait(0.3):
            try:
                with store.session() as s:
                    run_rules(s)
            except BaseException as exc:  # reported below
                sweep_errors.append(exc)

    sweeper = threading.Thread(target=sweeping, daemon=True)
    with (
        ServedProcess(database_url) as live,
        httpx.Client(
            base_url=live.url,
            timeout=60,
            limits=httpx.Limits(max_connections=40, max_keepalive_connections=40),
        ) as client,
    ):
        workers.start()
        sweeper.start()

        def submit(token: str) -> int:
            r = client.post(
                f"/r/{token}",
                data={"page": "0", "q_SAT": "3", "q_NPS": str(nps[token])},
                headers={"accept": "text/html"},
                follow_redirects=False,
            )
            return r.status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = Counter(pool.map(submit, sends))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with store.session() as s:
                waiting = s.scalar(
                    select(func.count()).where(
                        Job.name == ANSWER_COMPLETED, Job.status != JobStatus.DONE
                    )
                )
            if waiting == 0:
                break
            time.sleep(0.2)
    stop_sweep.set()
    worker.stop_event.set()
    workers.join(30)
    sweeper.join(30)
    assert not sweep_errors, sweep_errors
    assert statuses == {200: len(sends)}, statuses
    assert waiting == 0
    with store.session() as s:
        answered = dict(
            s.execute(
                select(Response.id, Answer.number)
                .join(Answer, Answer.response_id == Response.id)
                .where(Answer.question_code == "NPS")
            ).all()
        )
        cases = s.execute(
            select(Case.response_id, Case.opened_at, Response.completed_at).join(
                Response, Response.id == Case.response_id
            )
        ).all()
        jobs = s.scalar(select(func.count()).where(Job.name == ANSWER_COMPLETED))
    assert len(answered) == 200 and jobs == 200
    detractors = {rid for rid, n in answered.items() if n is not None and n <= 6}
    assert sorted(r.response_id for r in cases) == sorted(detractors)
    assert 0 < len(detractors) < 200
    lag = max((r.opened_at - r.completed_at).total_seconds() for r in cases)
    assert lag < 60, lag


def test_a_failing_batch_leaves_no_effect_and_is_retried_then_dead(store: Store) -> None:
    from cxm.jobs import enqueue
    from tests import job_samples  # noqa: F401 - registers tests.batched_fail

    with store.session() as s:
        for n in range(3):
            enqueue(s, "tests.batched_fail", {"n": n, "fail": n == 1})
    worker = Worker(
        store, load_settings(), names=["tests.batched_fail"], modules=["tests.job_samples"]
    )
    outcome = worker.run(once=True)  # attempt 1 fails (retried), attempt 2 fails (dead)
    assert (outcome.done, outcome.retried, outcome.dead) == (0, 3, 3)
    with store.session() as s:
        rows = s.execute(
            select(Job.status, Job.attempts, Job.last_error).where(Job.name == "tests.batched_fail")
        ).all()
        effects = s.scalar(select(func.count()).where(Job.name == "tests.effect"))
    assert {(r[0], r[1]) for r in rows} == {(JobStatus.DEAD, 2)}
    assert all("asked to fail" in (r[2] or "") for r in rows)
    assert effects == 0
