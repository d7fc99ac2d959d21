"""The job runner: outbox, leases, retries, racing workers and a killed worker, on SQLite
and PostgreSQL (real worker processes, real SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.config import load_settings
from cxm.errors import InputError
from cxm.jobs import Job, JobStatus, Worker, claim_next, enqueue
from cxm.jobs.claim import finish
from cxm.store import Store, utcnow
from tests import job_samples

ROOT = Path(__file__).resolve().parents[1]
ONLY = ["--only", "tests.mark", "--only", "tests.flaky"]
_ = job_samples


def _worker(store: Store, **kw: object) -> Worker:
    return Worker(
        store,
        load_settings(),
        names=["tests.mark", "tests.flaky"],
        modules=["tests.job_samples"],
        **kw,  # type: ignore[arg-type]
    )


def _starts(log: Path) -> Counter[int]:
    if not log.exists():
        return Counter()
    return Counter(
        int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("start")
    )


def _effects(store: Store) -> Counter[str]:
    with store.session() as s:
        return Counter(s.scalars(select(Job.key).where(Job.name == "tests.effect")))


def _spawn(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CXM_DATABASE_URL": url, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    code = "import sys; from cxm.cli import main; main(sys.argv[1:])"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--import", "tests.job_samples", *ONLY, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_job_runs_once_and_commits_with_its_effect(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log"
    with store.session() as s:
        job_id = enqueue(s, "tests.mark", {"log": str(log)})
    outcome = _worker(store).run(once=True)
    assert outcome.as_dict() == {"done": 1, "retried": 0, "dead": 0, "lost": 0}
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None
        assert (j.status, j.attempts, j.leased_by, j.lease_until) == (JobStatus.DONE, 1, None, None)
    assert _starts(log) == {job_id: 1}
    assert _effects(store) == {f"effect-{job_id}": 1}
    assert _worker(store).run(once=True).done == 0  # nothing left to do


def test_a_key_makes_enqueue_idempotent(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        first = enqueue(s, "tests.mark", {"log": "x"}, key="wave-1-reminder")
        again = enqueue(s, "tests.mark", {"log": "y"}, key="wave-1-reminder")
        other = enqueue(s, "tests.mark", {"log": "z"}, key="wave-2-reminder")
    assert first == again != other
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 2


def test_an_enqueue_rolled_back_with_its_change_leaves_no_job(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        enqueue(s, "tests.mark", {"log": "x"})
        raise RuntimeError("the triggering change fails")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_unknown_jobs_and_bad_payloads_are_refused(store: Store) -> None:
    with store.session() as s, pytest.raises(InputError, match="Unknown job nope"):
        enqueue(s, "nope", {})
    with store.session() as s, pytest.raises(InputError, match="not JSON"):
        enqueue(s, "tests.mark", {"when": object()})


def test_a_job_waits_for_its_run_at(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        enqueue(s, "tests.mark", {"log": str(tmp_path / "l")}, run_at=utcnow() + timedelta(hours=1))
    assert _worker(store).run(once=True).done == 0
    with store.session() as s:
        later = claim_next(s, worker="w", now=utcnow() + timedelta(hours=2))
    assert later is not None and later.attempts == 1


def test_failures_retry_with_back_off_then_succeed(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log"
    with store.session() as s:
        job_id = enqueue(s, "tests.flaky", {"log": str(log), "succeed_on": 3})
    outcome = _worker(store).run(once=True)
    assert outcome.as_dict() == {"done": 1, "retried": 2, "dead": 0, "lost": 0}
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None and (j.status, j.attempts) == (JobStatus.DONE, 3)
    # The failed attempts' effects were rolled back with them.
    assert _effects(store) == {f"effect-{job_id}-3": 1}


def test_a_job_out_of_attempts_is_dead_with_its_error(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        job_id = enqueue(s, "tests.flaky", {"log": str(tmp_path / "l"), "succeed_on": 9})
    outcome = _worker(store).run(once=True)
    assert outcome.as_dict() == {"done": 0, "retried": 2, "dead": 1, "lost": 0}
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None and (j.status, j.attempts) == (JobStatus.DEAD, 3)
        assert j.last_error and "attempt 3 fails" in j.last_error
    assert _effects(store) == {}


def test_back_off_doubles_up_to_the_cap() -> None:
    from cxm.jobs.registry import get_job

    spec = get_job("waves.remind")
    assert [spec.backoff_s(n) for n in (1, 2, 3)] == [300.0, 600.0, 1200.0]
    assert spec.backoff_s(20) == spec.retry_cap_s


def test_a_lost_lease_cannot_finish(store: Store) -> None:
    """Worker 1's lease ran out and worker 2 took the job: 1 can no longer mark it done."""
    with store.session() as s:
        enqueue(s, "tests.mark", {"log": "x"})
    t0 = utcnow()
    with store.session() as s:
        first = claim_next(s, worker="w1", now=t0, lease_s=5)
    with store.session() as s:
        assert claim_next(s, worker="w2", now=t0 + timedelta(seconds=1)) is None  # leased
    with store.session() as s:
        second = claim_next(s, worker="w2", now=t0 + timedelta(seconds=6), lease_s=5)
    assert first is not None and second is not None and second.attempts == 2
    with store.session() as s:
        assert finish(s, first, now=t0 + timedelta(seconds=7)) is False
        assert finish(s, second, now=t0 + timedelta(seconds=7)) is True


def test_threads_racing_in_one_process_run_each_job_once(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log"
    with store.session() as s:
        ids = [enqueue(s, "tests.mark", {"log": str(log)}) for _ in range(30)]
    outcome = _worker(store, concurrency=4).run(once=True)
    assert outcome.done == 30
    assert _starts(log) == dict.fromkeys(ids, 1)
    assert set(_effects(store).values()) == {1} and len(_effects(store)) == 30


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_two_worker_processes_racing_run_each_job_once(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    with store.session() as s:
        ids = [enqueue(s, "tests.mark", {"log": str(log), "sleep": 0.02}) for _ in range(40)]
    workers = [_spawn(database_url, "--once", "--concurrency", "2", "--json") for _ in range(2)]
    for w in workers:
        _out, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    assert _starts(log) == dict.fromkeys(ids, 1)
    assert Counter(line.split()[0] for line in log.read_text().splitlines()) == {
        "start": 40,
        "end": 40,
    }
    with store.session() as s:
        statuses = Counter(s.scalars(select(Job.status).where(Job.name == "tests.mark")))
        attempts = set(s.scalars(select(Job.attempts).where(Job.name == "tests.mark")))
    assert statuses == {JobStatus.DONE: 40} and attempts == {1}
    assert len(_effects(store)) == 40


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_a_killed_workers_job_is_redone_exactly_once(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    with store.session() as s:
        job_id = enqueue(s, "tests.mark", {"log": str(log), "sleep": 120})
    doomed = _spawn(database_url, "--lease", "2", "--poll", "0.1")
    deadline = time.monotonic() + 60
    while _starts(log)[job_id] == 0:
        assert time.monotonic() < deadline, doomed.stderr.read() if doomed.stderr else ""
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    assert doomed.returncode == -signal.SIGKILL
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None and (j.status, j.attempts) == (JobStatus.RUNNING, 1)
        # Still leased: nobody may take it yet.
        assert claim_next(s, worker="early", now=utcnow(), names=["tests.mark"]) is None
    time.sleep(2.5)  # the lease runs out
    with store.session() as s:  # make the rerun quick
        j = s.get(Job, job_id)
        assert j is not None
        j.payload = {"log": str(log), "sleep": 0}
    # Two workers after the lease: the job is redone once, by one of them.
    racing = [_worker(store, concurrency=2) for _ in range(2)]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in racing]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(w.outcome.done for w in racing) == 1
    assert _starts(log) == {job_id: 2}
    assert _effects(store) == {f"effect-{job_id}": 1}
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None and (j.status, j.attempts) == (JobStatus.DONE, 2)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_200_concurrent_triggering_writes_make_200_jobs(database_url: str) -> None:
    from cxm.customers.models import Customer

    store = Store.open(database_url)
    start = threading.Barrier(50)

    def trigger(batch: int) -> None:
        start.wait()
        for i in range(4):
            n = batch * 4 + i
            with store.session() as s:
                s.add(Customer(external_id=f"C{n}", name=f"customer {n}"))
                s.flush()
                enqueue(s, "segments.recompute", {"name": "value"})
                enqueue(s, "segments.recompute", {"name": "value"}, key="recompute-value")

    threads = [threading.Thread(target=trigger, args=(b,)) for b in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with store.session() as s:
        keyless = s.scalar(select(func.count()).select_from(Job).where(Job.key.is_(None)))
        keyed = s.scalar(select(func.count()).select_from(Job).where(Job.key.is_not(None)))
        customers = s.scalar(select(func.count()).select_from(Customer))
    store.close()
    assert (customers, keyless, keyed) == (200, 200, 1)


def test_the_shipped_jobs_recompute_segments_and_remind_a_wave(
    store: Store, tmp_path: Path
) -> None:
    from cxm.management.definitions import define_segments
    from cxm.management.models import SegmentMembership
    from tests.channel_sinks import SmtpSink
    from tests.survey_factories import ONE_PAGE, wave_with_links

    wave_id, _tokens = wave_with_links(store, customers=3, definition=ONE_PAGE)
    with store.session() as s:
        define_segments(
            s,
            name="regions",
            kind="rule",
            parameters={
                "segments": [
                    {
                        "name": "north",
                        "conditions": [{"field": "region", "op": "eq", "value": "north"}],
                    }
                ],
                "default": "rest",
            },
        )
        enqueue(s, "segments.recompute", {"name": "regions"}, key="recompute-regions")
        enqueue(s, "waves.remind", {"wave_id": wave_id, "min_days_since": 0, "lang": "en"})
        enqueue(s, "segments.recompute", {"name": "nope"})
    with SmtpSink(tmp_path) as sink:
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=sink.port)
        outcome = Worker(store, settings).run(once=True)
    assert (outcome.done, outcome.retried) == (2, 1)
    assert len(sink.inbox.messages) == 3
    with store.session() as s:
        members = s.scalar(select(func.count()).select_from(SegmentMembership))
        # Queued besides: the failed one, and the outbox's daily prune the worker scheduled.
        queued = {j.name: j for j in s.scalars(select(Job).where(Job.status == JobStatus.QUEUED))}
    assert set(queued) == {"segments.recompute", "jobs.prune"}
    failed = queued["segments.recompute"]
    assert members == 3
    assert failed.last_error and "nope" in failed.last_error


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_the_heartbeat_keeps_a_long_job_from_being_taken(store: Store, tmp_path: Path) -> None:
    """A job running 3 s under a 1 s lease: the heartbeat renews it, so a second worker
    polling meanwhile finds nothing and the job runs once."""
    log = tmp_path / "log"
    with store.session() as s:
        job_id = enqueue(s, "tests.mark", {"log": str(log), "sleep": 3})
    first = _worker(store, lease_s=1.0)
    runner = threading.Thread(target=first.run, kwargs={"once": True})
    runner.start()
    while _starts(log)[job_id] == 0:
        time.sleep(0.02)
    second = _worker(store, lease_s=1.0)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert second.run_one("second") is False
        time.sleep(0.2)
    runner.join(30)
    assert first.outcome.done == 1 and _starts(log) == {job_id: 1}
    with store.session() as s:
        j = s.get(Job, job_id)
        assert j is not None and (j.status, j.attempts) == (JobStatus.DONE, 1)


def test_the_cli_enqueues_lists_and_runs_jobs(cxm, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    log = tmp_path / "log"
    payload = json.dumps({"log": str(log)})
    r = cxm("jobs", "enqueue", "tests.mark", "--payload", payload, "--key", "k1", "--json")
    assert r.exit_code == 0, r.stderr
    again = cxm("jobs", "enqueue", "tests.mark", "--payload", payload, "--key", "k1", "--json")
    assert json.loads(again.stdout)["id"] == json.loads(r.stdout)["id"]
    ran = cxm("worker", "--once", "--only", "tests.mark", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == {"done": 1, "retried": 0, "dead": 0, "lost": 0}
    listed = json.loads(cxm("jobs", "list", "--status", "done", "--json").stdout)
    assert [(j["name"], j["attempts"]) for j in listed] == [("tests.mark", 1)]
    assert cxm("jobs", "list", "--status", "weird").exit_code == 1
    bad = cxm("jobs", "enqueue", "tests.mark", "--payload", "[1]")
    assert bad.exit_code == 1 and "JSON object" in bad.stderr


def test_the_report_rebuild_job_writes_the_report(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "latest.html"
    with store.session() as s:
        enqueue(s, "reports.rebuild", {"out": str(out), "lang": "en"}, key="report-2026-10")
    outcome = Worker(store, load_settings()).run(once=True)
    assert outcome.done == 1
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_a_worker_claims_only_jobs_it_can_run(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        enqueue(s, "tests.mark", {"log": str(tmp_path / "l")})
    assert Worker(store, load_settings(), names=["segments.recompute"]).run(once=True).done == 0
    with pytest.raises(InputError, match=r"Unknown job plugin\.thing"):
        Worker(store, load_settings(), names=["plugin.thing"])
    with store.session() as s:
        assert s.scalars(select(Job.status)).one() == JobStatus.QUEUED
