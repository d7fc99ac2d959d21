"""Time the closed loop at scale: the inbox page over 100,000 cases, one worker pass over
100,000 open cases, a rules pass over 10,000 new answers, and survey saves with the loop's
worker running beside them versus without it.

    .venv/bin/python benchmarks/cases.py [--cases 100000] [--answers 10000] [--postgres URL]

Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL database given —
its tables are dropped and re-created), bulk-inserts customers and open cases, and times
the real code paths: the inbox page through the real app (an agent signed in), the sweep's
clock step, ``run_rules``, and ``save_page`` for one-page responses. Prints wall and CPU
time and the load average; asserts nothing.
Goals (issue 16): inbox < 300 ms with 100,000 cases; worker pass < 10 s over 100,000 open
cases; saves with the loop on within 10 % of saves with it off.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert


def _store(url: str | None, folder: Path):  # type: ignore[no-untyped-def]
    from cxm.registry import metadata
    from cxm.store import Store, make_engine
    from cxm.store.migrate import upgrade

    if url:
        engine = make_engine(url)
        with engine.begin() as conn:
            metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()
    else:
        url = f"sqlite:///{folder / 'cases.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Store.open(url), url


def _fill(store, cases: int, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    from cxm.accounts import create_user
    from cxm.cases.models import Case
    from cxm.customers.models import Customer

    n_customers = max(cases // 2, 1000)
    with store.engine.begin() as conn:
        conn.execute(
            insert(Customer),
            [
                {
                    "external_id": f"C{i:07d}",
                    "name": f"Kunde {i}",
                    "email": f"c{i}@x.test",
                    "status": "active",
                    "attributes": {},
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
                for i in range(n_customers)
            ],
        )
    with store.session() as s:
        agents = [
            create_user(s, name=f"agent{i}", role="agent", password="bench-pass-1").id
            for i in range(20)
        ]
    now = datetime.now(UTC)
    opened = now - timedelta(hours=1) * rng.uniform(0, 96, cases)
    rows = []
    for i in range(cases):
        o = opened[i].to_pydatetime() if hasattr(opened[i], "to_pydatetime") else opened[i]
        rows.append(
            {
                "customer_id": int(rng.integers(1, n_customers + 1)),
                "type": "complaint",
                "source": "manual",
                "subject": f"Problem {i}",
                "faults": ["indifference"],
                "owner_user_id": agents[i % len(agents)],
                "status": "in_progress",
                "priority": "normal",
                "tier": "default",
                "business_hours": False,
                "opened_at": o,
                "first_response_due": o + timedelta(hours=24),
                "resolution_due": o + timedelta(hours=72),
                "first_response_at": o + timedelta(hours=1),
                "handoffs": 0,
                "reopened": 0,
                "needed_supervisor": False,
                "version": 1,
                "created_at": o,
                "updated_at": o,
            }
        )
    with store.engine.begin() as conn:
        for k in range(0, cases, 20_000):
            conn.execute(insert(Case), rows[k : k + 20_000])


def _timed(fn):  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def bench_inbox(store, url: str) -> None:  # type: ignore[no-untyped-def]
    from cxm.config import Settings
    from cxm.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    import re

    app = create_app(Settings(database_url=url, env="test", secret_key="b" * 48), store=store)
    with TestClient(app, headers={"accept": "text/html"}) as client:
        form = client.get("/staff/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post(
            "/staff/login", data={"name": "agent1", "password": "bench-pass-1", "csrf_token": token}
        )
        for view in ("mine", "open", "breaching"):
            times = []
            for _i in range(15):
                t = time.perf_counter()
                r = client.get(f"/staff/cases?view={view}")
                times.append(time.perf_counter() - t)
                assert r.status_code == 200
            times.sort()
            print(
                f"  inbox view={view:<9} p50 {statistics.median(times) * 1000:7.1f} ms   "
                f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:7.1f} ms   "
                f"({len(r.content) / 1024:.0f} KiB)   goal < 300 ms"
            )


def bench_worker(store, cases: int) -> None:  # type: ignore[no-untyped-def]
    from cxm.cases.worker import check_clocks

    later = datetime.now(UTC) + timedelta(hours=40)
    with store.session() as s:
        counts, wall, cpu = _timed(lambda: check_clocks(s, now=later))
    print(
        f"  worker clock pass over {cases:,} open cases: {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({counts['escalated']:,} escalated, {counts['warned']:,} warned)   goal < 10 s"
    )
    with store.session() as s:
        counts, wall, cpu = _timed(lambda: check_clocks(s, now=later))
    print(f"  second pass (nothing new): {wall:.2f} s wall, {cpu:.2f} s CPU")


_WAVES = iter(range(1, 1000))


def demo_answers(n: int, rng: np.random.Generator) -> list[dict[str, str]]:
    """``n`` answers to REC (NPS 0-10) and SAT (1-5) drawn as the demo company's customers
    answer (its own generator, :func:`cxm.demo.waves._draw`, on a population drawn like
    :mod:`cxm.demo.truth`'s): about a third are detractors, few rate 1-2, so the rules
    open a case for about a third of the answers (uniform answers opened one for 64 %)."""
    from types import SimpleNamespace

    from cxm.demo.waves import _draw

    sides = rng.normal(size=(3, n))
    raw = 0.5 * sides[0] + 0.3 * sides[1] + 0.2 * sides[2] + rng.normal(0.0, 0.5, n)
    satisfaction = (raw - raw.mean()) / raw.std()
    loyalty = 0.3 * satisfaction + np.sqrt(1 - 0.09) * rng.normal(size=n)
    truth = SimpleNamespace(
        people=sides[0],
        product=sides[1],
        process=sides[2],
        satisfaction=satisfaction,
        loyalty=loyalty,
    )
    items, _answered = _draw(rng, truth, np.arange(n), wave=2)
    return [
        {"REC": str(int(items["NPS"][i])), "SAT": str(int(items["CUSA1"][i]))} for i in range(n)
    ]


def _db_cpu(url: str) -> float:
    """CPU seconds of the PostgreSQL server processes now serving database ``url`` (read
    from /proc; 0 for SQLite or where it cannot be read)."""
    if not url.startswith("postgresql"):
        return 0.0
    name = url.rsplit("/", 1)[-1].split("?")[0]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not cmd.startswith("postgres:") or f" {name} " not in cmd:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _rated(store, n: int, rules: bool) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.loader import parse_definition
    from cxm.surveys.questionnaires import save_questionnaire
    from cxm.surveys.waves import create_wave, sample_wave

    with store.session() as s:
        code = f"rated{next(_WAVES)}"
        saved = save_questionnaire(
            s,
            definition=parse_definition(
                {
                    "code": code,
                    "title": {"en": "R"},
                    "pages": [
                        {
                            "questions": [
                                {"code": "REC", "type": "nps", "text": {"en": "R?"}},
                                {"code": "SAT", "type": "satisfaction5", "text": {"en": "S?"}},
                            ]
                        }
                    ],
                }
            ),
        )
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name=f"W{code}",
            opens_on=date.today() - timedelta(days=1),
            closes_on=date.today() + timedelta(days=30),
            quiet_days=0,
        )
        sampled = sample_wave(s, wave_id=wave.id, seed=int(rules), quotas=n)
        tokens = issue_links(s, invitation_ids=sorted(sampled.invitation_ids))
    return list(tokens.values()), wave.id


def _loop_process(url: str, stop: Any, ready: Any, sweep_s: float, cpu: Any, nice: int) -> None:
    """The loop as deployed: a ``cxm worker --nice N`` draining the outbox
    (``responses.completed`` jobs, in batches) and the sweep as the safety net every
    ``sweep_s`` seconds (deployed: once a minute)."""
    import threading

    from cxm.cases.rules import run_rules
    from cxm.config import load_settings
    from cxm.jobs.outbox import ANSWER_COMPLETED
    from cxm.jobs.worker import Worker, lower_priority
    from cxm.store import Store

    lower_priority(nice)
    store = Store.open(url)
    worker = Worker(store, load_settings(database_url=url), names=[ANSWER_COMPLETED], poll_s=1.0)

    def sweeping() -> None:
        while not stop.wait(sweep_s):
            with store.session() as s:
                run_rules(s)

    def stopping() -> None:
        stop.wait()
        worker.stop_event.set()

    threading.Thread(target=sweeping, daemon=True).start()
    threading.Thread(target=stopping, daemon=True).start()
    started = 0.0

    def on_start() -> None:
        nonlocal started
        started = time.process_time()
        ready.set()

    worker.run(on_start=on_start)
    cpu.value = time.process_time() - started  # after start-up (imports), until stopped
    store.close()


def bench_saves(  # type: ignore[no-untyped-def]
    store, url: str, n: int, rules_path: Path, rounds: int, *, nice: int, uniform: bool
) -> None:
    """One-page answers saved through the web's save path (:func:`submit_page`: the first
    save's short path) from 4 threads, with the loop off (no worker) and on (a worker in
    another process, lowered by ``nice``, drains each answer's outbox row and runs the
    rules; the sweep every 10 s), in alternating rounds so a change of machine load hits
    both alike. Answers as the demo's customers give them (``uniform``: each score alike)."""
    import multiprocessing as mp
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from cxm.cases.models import Case
    from cxm.cases.rules import load_rules
    from cxm.jobs.models import Job, JobStatus
    from cxm.jobs.outbox import ANSWER_COMPLETED
    from cxm.surveys.invitations import as_utc
    from cxm.surveys.models import Response
    from cxm.surveys.responses import submit_page

    rng = np.random.default_rng(1)
    ctx = mp.get_context("spawn")
    with store.session() as s:
        # Loaded an hour ago, as in a running system (the sweep then skips what the outbox
        # did; in the first minute after a load it checks those answers again).
        load_rules(s, path=rules_path, now=datetime.now(UTC) - timedelta(hours=1))
    figures: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    for _round in range(rounds):
        for loop_on in (False, True):
            tokens, wave = _rated(store, n, loop_on)
            answers = (
                [
                    {"REC": str(int(rng.integers(0, 11))), "SAT": str(int(rng.integers(1, 6)))}
                    for _t in tokens
                ]
                if uniform
                else demo_answers(len(tokens), rng)
            )
            # A loop-off round's answers left their outbox jobs queued: run them now,
            # untimed, so the next round's worker does only its own round's answers.
            from cxm.config import load_settings
            from cxm.jobs.worker import Worker

            Worker(store, load_settings(database_url=url), names=[ANSWER_COMPLETED]).run(once=True)
            stop, ready = ctx.Event(), ctx.Event()
            used = ctx.Value("d", 0.0)
            worker = None
            if loop_on:
                worker = ctx.Process(
                    target=_loop_process, args=(url, stop, ready, 10.0, used, nice)
                )
                worker.start()
                ready.wait(60)
            db_before = _db_cpu(url)

            def save(i: int, tokens: list[str] = tokens, answers: list[Any] = answers) -> None:
                submit_page(store, token=tokens[i], page=0, raw=answers[i])

            t, c = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(save, range(len(tokens))))
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            db_saves = _db_cpu(url) - db_before
            worker_cpu = 0.0
            if worker is not None:
                # Let the worker catch up with the last answers, then stop it.
                deadline = time.perf_counter() + 120
                while time.perf_counter() < deadline:
                    with store.session() as s:
                        left = s.scalar(
                            select(func.count()).where(
                                Job.name == ANSWER_COMPLETED, Job.status != JobStatus.DONE
                            )
                        )
                    if not left:
                        break
                    time.sleep(0.2)
                lag = time.perf_counter() - t - wall
                # Every connection to the database, the worker's included (still open).
                db_saves = _db_cpu(url) - db_before
                stop.set()
                worker.join()
                worker_cpu = used.value
            figures[loop_on].append((len(tokens) / wall, cpu, worker_cpu))
            db = (
                f", database server {db_saves:.2f} s CPU until "
                + ("the outbox drained" if loop_on else "the last save")
                if url.startswith("postgresql")
                else ""
            )
            print(
                f"  {len(tokens):,} saves with the loop {'on ' if loop_on else 'off'}: "
                f"{len(tokens) / wall:7.0f} saves/s  ({wall:.2f} s wall, {cpu:.2f} s CPU of the "
                f"saving process{db}; load {os.getloadavg()[0]:.1f})"
            )
            if loop_on:
                with store.session() as s:
                    waits = sorted(
                        (as_utc(o) - as_utc(d)).total_seconds()
                        for o, d in s.execute(
                            select(Case.opened_at, Response.completed_at)
                            .join(Response, Response.id == Case.response_id)
                            .where(Response.wave_id == wave)
                        )
                    )
                print(
                    f"    worker (nice +{nice}): {worker_cpu:.2f} s CPU"
                    f"; {len(waits):,} cases ({100 * len(waits) / len(tokens):.0f} % of the "
                    f"answers), answer to case p50 {statistics.median(waits or [0]):.1f} s, "
                    f"max {max(waits or [0]):.1f} s (goal < 60 s); outbox drained {lag:.1f} s "
                    "after the last save"
                )
    off = statistics.median(x[0] for x in figures[False])
    on = statistics.median(x[0] for x in figures[True])
    print(
        f"  median saves/s: loop off {off:.0f}, on {on:.0f}: on is {100 * (on / off - 1):+.1f} % "
        "(goal: within 10 %)"
    )
    with store.session() as s:
        cases = s.scalar(
            select(func.count()).select_from(Case).where(Case.response_id.is_not(None))
        )
        keys = s.scalar(select(func.count(func.distinct(Case.source_key))))
    print(f"  cases from rules in the database: {cases:,} (distinct keys {keys:,})")


def bench_rules(store, answers: int, rules_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A rules pass over ``answers`` answers completed since the last pass."""
    from cxm.cases.rules import load_rules, run_rules
    from cxm.surveys.models import Answer, Invitation, Response

    _tokens, wave_id = _rated(store, answers, True)
    now = datetime.now(UTC)
    with store.session() as s:
        rule_set = load_rules(s, path=rules_path, now=now - timedelta(days=1))
        rule_set.evaluated_until = now - timedelta(days=1)
        inv = (
            s.query(Invitation.id, Invitation.customer_id, Invitation.questionnaire_id)
            .filter(Invitation.wave_id == wave_id)
            .all()
        )
        version = s.execute(
            __import__("sqlalchemy").text(
                "select id from survey_questionnaire_versions where questionnaire_id = :q"
            ),
            {"q": inv[0][2]},
        ).scalar()
    rng = np.random.default_rng(2)
    with store.engine.begin() as conn:
        ids = list(
            conn.scalars(
                insert(Response).returning(Response.id),
                [
                    {
                        "invitation_id": i,
                        "version_id": version,
                        "questionnaire_id": q,
                        "wave_id": wave_id,
                        "customer_id": c,
                        "language": "en",
                        "page_reached": 0,
                        "started_at": now,
                        "completed_at": now - timedelta(minutes=5),
                        "source": "web",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, c, q in inv
                ],
            )
        )
        conn.execute(
            insert(Answer),
            [
                {"response_id": r, "question_code": code, "number": float(v), "dont_know": False}
                for r in ids
                for code, v in (("REC", rng.integers(0, 11)), ("SAT", rng.integers(1, 6)))
            ],
        )
    with store.session() as s:
        counts, wall, cpu = _timed(lambda: run_rules(s, now=now))
    print(
        f"  rules pass over {counts['checked']:,} answers: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"{counts['opened']:,} cases opened"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--answers", type=int, default=10_000)
    ap.add_argument("--saves", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only-saves", action="store_true", help="skip inbox, worker and rules")
    ap.add_argument("--postgres", default="")
    ap.add_argument(
        "--worker-nice", type=int, default=0, help="cxm worker --nice for the loop's worker"
    )
    ap.add_argument(
        "--uniform", action="store_true", help="uniform scores instead of the demo's answers"
    )
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rules = folder / "rules.yaml"
        rules.write_text(
            "rules:\n  - {name: detractor, when: {any: [{question: REC, at_most: 6}]}}"
            "\n  - {name: low, when: {any: [{question: SAT, at_most: 2}]}}\n",
            encoding="utf-8",
        )
        store, url = _store(args.postgres or None, folder)
        print(
            f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; load average before: "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        _out, wall, _cpu = _timed(lambda: _fill(store, args.cases, rng))
        print(f"  (filled {args.cases:,} open cases in {wall:.1f} s, not timed below)")
        if not args.only_saves:
            bench_inbox(store, url)
            bench_worker(store, args.cases)
            bench_rules(store, args.answers, rules)
        bench_saves(
            store,
            url,
            args.saves,
            rules,
            args.rounds,
            nice=args.worker_nice,
            uniform=args.uniform,
        )
        store.close()
        print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
