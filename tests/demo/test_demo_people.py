"""The demo's employee surveys: two anonymous waves, suppression, and the built-in link."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from cxm.analytics.linkage import linkage
from cxm.demo import STEPS, run_demo
from cxm.people.linkage_data import linkage_frames
from cxm.people.models import EmployeeResponse, EmployeeToken
from cxm.people.surveys import employee_index
from cxm.store import Store

STEPS_NEEDED = tuple(
    s for s in STEPS if s.name in ("company", "organisation", "survey_waves", "people")
)


def test_the_demo_surveys_employees_anonymously(store: Store) -> None:
    started = time.perf_counter()
    summary = run_demo(store, customers=2000, seed=3, steps=STEPS_NEEDED)
    assert summary is not None
    step_seconds = time.perf_counter() - started
    with store.session() as s:
        responses = s.scalar(select(func.count()).select_from(EmployeeResponse))
        used = s.scalar(select(func.count()).where(EmployeeToken.used.is_(True)))
        assert responses == used and responses is not None and 700 < responses < 1100
        result = employee_index(s, wave="员工调查 2026", minimum=5)
        assert result.company.shown
        assert any(not t.shown for t in result.teams)  # the small night shifts
        for t in result.teams:
            assert (t.index is None) == (not t.shown)
        frames = linkage_frames(s, minimum=5)
    link = linkage(frames.employee, frames.customers, outcomes=("csat",), resamples=1000)
    csat = link.links[0]
    assert csat.pearson is not None and csat.pearson.r > 0.2
    assert step_seconds < 600  # the whole run, not a benchmark: a guard against a hang
