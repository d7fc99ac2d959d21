"""Test data for the report: the demo company plus, where the demo does not make them yet,
two survey waves of the CCSI questionnaire, moment-of-truth ratings, and value segments
with per-segment targets. Answers follow the documents' structure: satisfaction driven by
the scorecard items, loyalty only weakly tied to satisfaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import func, insert, select

from cxm.customers.models import Customer, Touchpoint
from cxm.demo import STEPS, run_demo
from cxm.store import Store
from cxm.surveys.models import (
    Answer,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Response,
    Wave,
)
from cxm.surveys.moments import moment_questionnaire_id
from cxm.surveys.questionnaires import install_template, latest_version, load_version

COMMENTS = [
    "送货太慢了",
    "员工态度很好 <b>thanks</b>",
    "<script>alert('x')</script> price too high",
    "The first person I called solved it.",
    "希望流程简单一点",
]
WAVES = (("2025Q3", date(2025, 7, 1)), ("2025Q4", date(2025, 10, 1)))


def _answers(definition, response_id: int, sat: float, loy: float, rng) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = []
    for q in definition.questions():
        kind = q.type.value
        numeric_choice = kind == "single" and all(c.value is not None for c in q.choices)
        if kind == "satisfaction5" or numeric_choice:
            base = loy if q.code.startswith(("CUSL", "LOY")) else sat
            value = int(np.clip(np.round(3.6 + 0.9 * base + rng.normal(0, 0.7)), 1, 5))
            if numeric_choice:
                rows.append(
                    {"response_id": response_id, "question_code": q.code, "text": str(value)}
                )
            else:
                rows.append(
                    {"response_id": response_id, "question_code": q.code, "number": float(value)}
                )
        elif kind == "nps":
            value = float(np.clip(np.round(7.5 + 1.5 * loy), 0, 10))
            rows.append({"response_id": response_id, "question_code": q.code, "number": value})
        elif kind == "text" and rng.random() < 0.4:
            text = str(COMMENTS[int(rng.integers(len(COMMENTS)))])
            rows.append({"response_id": response_id, "question_code": q.code, "text": text})
        elif kind == "single":
            code = q.choices[int(rng.integers(len(q.choices)))].code
            rows.append({"response_id": response_id, "question_code": q.code, "text": code})
    return rows


def _waves(store: Store, per_wave: int, rng) -> None:  # type: ignore[no-untyped-def]
    from cxm.surveys.waves import create_wave

    with store.session() as s:
        q = install_template(s, name="ccsi")
        version = latest_version(s, questionnaire_id=q.questionnaire_id)
        definition = load_version(version)
        customers = s.scalars(select(Customer.id).order_by(Customer.id)).all()
        for i, (name, opens) in enumerate(WAVES):
            wave = create_wave(
                s,
                questionnaire_id=q.questionnaire_id,
                name=name,
                opens_on=opens,
                closes_on=opens + timedelta(days=30),
            )
            for cid in rng.choice(customers, size=min(per_wave, len(customers)), replace=False):
                inv = Invitation(
                    kind=InvitationKind.WAVE,
                    questionnaire_id=q.questionnaire_id,
                    wave_id=wave.id,
                    customer_id=int(cid),
                    status=InvitationStatus.COMPLETED,
                    expires_at=datetime.now(UTC) + timedelta(days=30),
                )
                s.add(inv)
                s.flush()
                r = Response(
                    invitation_id=inv.id,
                    version_id=version.id,
                    questionnaire_id=q.questionnaire_id,
                    wave_id=wave.id,
                    customer_id=int(cid),
                    completed_at=datetime.now(UTC),
                    source="demo",
                    page_reached=9,
                )
                s.add(r)
                s.flush()
                sat = rng.normal(0.3 + 0.15 * i, 1)
                loy = 0.3 * sat + rng.normal(0, 1)
                s.execute(insert(Answer), _answers(definition, r.id, sat, loy, rng))


def _moments(store: Store, count: int, rng) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        qid = moment_questionnaire_id(s)
        version = latest_version(s, questionnaire_id=qid)
        rows = s.execute(
            select(
                Touchpoint.id, Touchpoint.customer_id, Touchpoint.team_id, Touchpoint.employee_id
            )
            .order_by(Touchpoint.id)
            .limit(count)
        ).all()
        for tp in rows:
            inv = Invitation(
                kind=InvitationKind.TOUCHPOINT,
                questionnaire_id=qid,
                customer_id=tp.customer_id,
                touchpoint_id=tp.id,
                team_id=tp.team_id,
                employee_id=tp.employee_id,
                status=InvitationStatus.COMPLETED,
                expires_at=datetime.now(UTC) + timedelta(days=30),
            )
            s.add(inv)
            s.flush()
            r = Response(
                invitation_id=inv.id,
                version_id=version.id,
                questionnaire_id=qid,
                customer_id=tp.customer_id,
                touchpoint_id=tp.id,
                team_id=tp.team_id,
                employee_id=tp.employee_id,
                completed_at=datetime.now(UTC),
                source="demo",
                page_reached=0,
            )
            s.add(r)
            s.flush()
            s.execute(
                insert(Answer),
                [
                    {
                        "response_id": r.id,
                        "question_code": "MOT_SAT",
                        "number": float(rng.integers(1, 6)),
                    },
                    {
                        "response_id": r.id,
                        "question_code": "MOT_CES",
                        "number": float(rng.integers(1, 8)),
                    },
                ],
            )


def _segments(store: Store) -> None:
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


def build_report_company(store: Store, *, customers: int = 2000, per_wave: int = 300) -> None:
    """The demo company with survey waves, moments of truth, segments and targets."""
    run_demo(store, customers=customers, seed=11, steps=[s for s in STEPS if s.name != "report"])
    rng = np.random.default_rng(5)
    with store.session() as s:
        has_waves = s.scalar(select(func.count()).select_from(Wave)) or 0
        has_moments = s.scalar(
            select(func.count()).select_from(Response).where(Response.touchpoint_id.is_not(None))
        )
    if not has_waves:
        _waves(store, per_wave, rng)
    if not has_moments:
        _moments(store, min(customers, 800), rng)
    _segments(store)
