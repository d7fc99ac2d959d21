"""Time the manager's report for the demo company at 20,000 and 1,000,000 customers.

    .venv/bin/python benchmarks/report.py [--customers 20000 1000000] [--keep]

For each size it builds (once; kept in benchmarks/data/ with --keep) the demo company on
SQLite, plus — where the demo does not make them — two survey waves of the CCSI
questionnaire (10,000 responses each: a survey samples customers, it does not ask all of
them), 20,000 moment-of-truth ratings, and value segments with targets. It then times
building every section (the same functions the CLI prints with --json, reading each
table once as ``build_report`` does), rendering the self-contained HTML, and rendering the
PDF, and prints the figures — wall time and CPU time, per section too (the machine is
shared: CPU seconds tell a slow report from a busy box). Asserts nothing.
Targets (issue 6): under 10 s at 20,000 and under 60 s at 1,000,000 customers.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert, select

DATA = Path(__file__).parent / "data"
PER_WAVE = 10_000
MOMENTS = 20_000
WAVES = (("2025Q3", date(2025, 7, 1)), ("2025Q4", date(2025, 10, 1)))


def _max_id(conn, table) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


def _fill_waves(store, rng) -> None:  # type: ignore[no-untyped-def]
    """Bulk-insert answered invitations (the respondent path is timed by collect.py)."""
    from cxm.customers.models import Customer
    from cxm.surveys.models import Answer, Invitation, Response
    from cxm.surveys.questionnaires import install_template, latest_version, load_version
    from cxm.surveys.waves import create_wave

    with store.session() as s:
        q = install_template(s, name="ccsi")
        version = latest_version(s, questionnaire_id=q.questionnaire_id)
        definition = load_version(version)
        wave_ids = [
            create_wave(
                s,
                questionnaire_id=q.questionnaire_id,
                name=name,
                opens_on=d,
                closes_on=d + timedelta(days=30),
            ).id
            for name, d in WAVES
        ]
    now = datetime.now(UTC)
    expires = now + timedelta(days=60)
    inv_t, resp_t, ans_t = Invitation.__table__, Response.__table__, Answer.__table__
    with store.engine.begin() as conn:
        customers = np.asarray(conn.execute(select(Customer.id)).scalars().all())
        inv_id, resp_id = _max_id(conn, inv_t), _max_id(conn, resp_t)
        for w, wave_id in enumerate(wave_ids):
            picked = rng.choice(customers, size=min(PER_WAVE, len(customers)), replace=False)
            n = len(picked)
            ids = np.arange(n) + 1
            conn.execute(
                insert(inv_t),
                [
                    {
                        "id": int(inv_id + i),
                        "kind": "wave",
                        "questionnaire_id": q.questionnaire_id,
                        "wave_id": wave_id,
                        "customer_id": int(c),
                        "status": "completed",
                        "expires_at": expires,
                        "reminder_count": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, c in zip(ids, picked, strict=True)
                ],
            )
            conn.execute(
                insert(resp_t),
                [
                    {
                        "id": int(resp_id + i),
                        "invitation_id": int(inv_id + i),
                        "version_id": version.id,
                        "questionnaire_id": q.questionnaire_id,
                        "wave_id": wave_id,
                        "customer_id": int(c),
                        "language": "zh-CN",
                        "page_reached": 9,
                        "started_at": now,
                        "completed_at": now,
                        "source": "demo",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, c in zip(ids, picked, strict=True)
                ],
            )
            sat = rng.normal(0.3 + 0.15 * w, 1, n)
            loy = 0.3 * sat + rng.normal(0, 1, n)
            rows = []
            for question in definition.questions():
                kind = question.type.value
                numeric = kind == "single" and all(c.value is not None for c in question.choices)
                if kind == "satisfaction5" or numeric:
                    base = loy if question.code.startswith(("CUSL", "LOY")) else sat
                    v = np.clip(np.round(3.6 + 0.9 * base + rng.normal(0, 0.7, n)), 1, 5)
                    key = "text" if numeric else "number"
                    vals = [str(int(x)) for x in v] if numeric else v.tolist()
                elif kind == "nps":
                    key, vals = "number", np.clip(np.round(7.5 + 1.5 * loy), 0, 10).tolist()
                elif kind == "text":
                    key, vals = (
                        "text",
                        ["希望流程简单一点" if x < 0.3 else None for x in rng.random(n)],
                    )
                else:
                    continue
                rows += [
                    {
                        "response_id": int(resp_id + i),
                        "question_code": question.code,
                        "number": None,
                        "text": None,
                        key: val,
                        "dont_know": False,
                    }
                    for i, val in zip(ids, vals, strict=True)
                    if val is not None
                ]
            for start in range(0, len(rows), 50_000):
                conn.execute(insert(ans_t), rows[start : start + 50_000])
            inv_id += n
            resp_id += n


def _fill_moments(store, rng) -> None:  # type: ignore[no-untyped-def]
    """Moment-of-truth ratings of the first touchpoints."""
    from cxm.customers.models import Touchpoint
    from cxm.surveys.models import Answer, Invitation, Response
    from cxm.surveys.moments import moment_questionnaire_id
    from cxm.surveys.questionnaires import latest_version

    with store.session() as s:
        mq = moment_questionnaire_id(s)
        mversion = latest_version(s, questionnaire_id=mq).id
    now = datetime.now(UTC)
    expires = now + timedelta(days=60)
    inv_t, resp_t, ans_t = Invitation.__table__, Response.__table__, Answer.__table__
    with store.engine.begin() as conn:
        inv_id, resp_id = _max_id(conn, inv_t), _max_id(conn, resp_t)
        tps = conn.execute(
            select(
                Touchpoint.id, Touchpoint.customer_id, Touchpoint.team_id, Touchpoint.employee_id
            )
            .order_by(Touchpoint.id)
            .limit(MOMENTS)
        ).all()
        ids = np.arange(len(tps)) + 1
        conn.execute(
            insert(inv_t),
            [
                {
                    "id": int(inv_id + i),
                    "kind": "touchpoint",
                    "questionnaire_id": mq,
                    "customer_id": t.customer_id,
                    "touchpoint_id": t.id,
                    "team_id": t.team_id,
                    "employee_id": t.employee_id,
                    "status": "completed",
                    "expires_at": expires,
                    "reminder_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, t in zip(ids, tps, strict=True)
            ],
        )
        conn.execute(
            insert(resp_t),
            [
                {
                    "id": int(resp_id + i),
                    "invitation_id": int(inv_id + i),
                    "version_id": mversion,
                    "questionnaire_id": mq,
                    "customer_id": t.customer_id,
                    "touchpoint_id": t.id,
                    "team_id": t.team_id,
                    "employee_id": t.employee_id,
                    "language": "zh-CN",
                    "page_reached": 0,
                    "started_at": now,
                    "completed_at": now,
                    "source": "demo",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, t in zip(ids, tps, strict=True)
            ],
        )
        sat = rng.integers(1, 6, len(tps))
        conn.execute(
            insert(ans_t),
            [
                {
                    "response_id": int(resp_id + i),
                    "question_code": "MOT_SAT",
                    "number": float(v),
                    "text": None,
                    "dont_know": False,
                }
                for i, v in zip(ids, sat, strict=True)
            ],
        )


def _segments(store) -> None:  # type: ignore[no-untyped-def]
    from cxm.management.definitions import define_segments, list_definitions
    from cxm.management.segments import recompute
    from cxm.management.targets import set_target

    with store.session() as s:
        if list_definitions(s):
            return
        define_segments(
            s, name="value", kind="pareto", parameters={"cuts": [0.2], "labels": ["key", "other"]}
        )
    with store.session() as s:
        recompute(s, "value")
    with store.session() as s:
        for segment, csat, nps in (("key", 0.8, 20), ("other", 0.6, 0)):
            set_target(s, "value", segment=segment, kpi="csat", value=csat)
            set_target(s, "value", segment=segment, kpi="nps", value=nps)


def build(path: Path, customers: int) -> float:
    from cxm.demo import STEPS, run_demo
    from cxm.store import Store
    from cxm.surveys.models import Response, Wave

    started = time.perf_counter()
    store = Store.open(f"sqlite:///{path}")
    try:
        run_demo(
            store, customers=customers, seed=2024, steps=[s for s in STEPS if s.name != "report"]
        )
        with store.session() as s:
            has_waves = bool(s.scalar(select(func.count()).select_from(Wave)))
            has_moments = bool(
                s.scalar(
                    select(func.count())
                    .select_from(Response)
                    .where(Response.touchpoint_id.is_not(None))
                )
            )
        if not has_waves:
            _fill_waves(store, np.random.default_rng(1))
        if not has_moments:
            _fill_moments(store, np.random.default_rng(2))
        _segments(store)
    finally:
        store.close()
    return time.perf_counter() - started


def measure(path: Path) -> dict[str, object]:
    from cxm.frames.cache import shared_reads
    from cxm.i18n import language
    from cxm.reports import STORE_SECTIONS, Report, render_html, render_pdf
    from cxm.reports.builder import build_section
    from cxm.reports.context import ReportContext
    from cxm.store import Store

    store = Store.open(f"sqlite:///{path}")
    try:
        started, cpu0 = time.perf_counter(), time.process_time()
        sections, per = [], {}
        with language("zh-CN"), shared_reads():  # as build_report does
            ctx = ReportContext(store=store, lang="zh-CN")
            for key in STORE_SECTIONS:
                t, c = time.perf_counter(), time.process_time()
                sections.append(build_section(key, ctx))
                per[key] = (
                    round(time.perf_counter() - t, 2),
                    round(time.process_time() - c, 2),
                )
        built, cpu1 = time.perf_counter(), time.process_time()
        report = Report("CXM", "", "zh-CN", datetime.now(UTC), sections)
        html = render_html(report)
        rendered, cpu2 = time.perf_counter(), time.process_time()
        pdf = render_pdf(report)
        done, cpu3 = time.perf_counter(), time.process_time()
    finally:
        store.close()
    return {
        "sections_s": per,
        "unavailable": [s.key for s in sections if s.unavailable],
        "build_s": round(built - started, 2),
        "build_cpu_s": round(cpu1 - cpu0, 2),
        "html_s": round(rendered - built, 2),
        "report_s": round(rendered - started, 2),
        "report_cpu_s": round(cpu2 - cpu0, 2),
        "html_mb": round(len(html.encode()) / 2**20, 1),
        "pdf_s": round(done - rendered, 2),
        "pdf_cpu_s": round(cpu3 - cpu2, 2),
        "pdf_kb": len(pdf) // 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000, 1_000_000])
    parser.add_argument("--keep", action="store_true", help="Keep and reuse the databases.")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    for n in args.customers:
        path = DATA / f"report-{n}.db"
        if not (args.keep and path.exists()):
            for old in DATA.glob(f"report-{n}.db*"):
                old.unlink()
            print(f"building the demo company with {n:,} customers …", flush=True)
            print(f"  built in {build(path, n):.1f} s", flush=True)
        else:  # a kept database from an older version of CXM: migrate it (not timed)
            from cxm.store import make_engine
            from cxm.store.migrate import upgrade

            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            engine.dispose()
        figures = measure(path)
        target = 10 if n <= 20_000 else 60
        print(
            f"report for {n:,} customers (SQLite): {figures['report_s']} s, CPU "
            f"{figures['report_cpu_s']} s (target < {target} s) — sections "
            f"{figures['build_s']} s (CPU {figures['build_cpu_s']} s), HTML "
            f"{figures['html_s']} s ({figures['html_mb']} MB); PDF {figures['pdf_s']} s "
            f"(CPU {figures['pdf_cpu_s']} s, {figures['pdf_kb']} KB); peak RSS "
            f"{figures['peak_rss_mb']} MB; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  per section (wall s, CPU s): {figures['sections_s']}")
        if figures["unavailable"]:
            print(f"  unavailable: {figures['unavailable']}")
        if not args.keep:
            for old in DATA.glob(f"report-{n}.db*"):
                old.unlink()


if __name__ == "__main__":
    main()
