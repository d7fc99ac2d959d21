"""``cxm cases report`` and the report section: what the loop achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy.orm import Session

from cxm.analytics.recovery import (
    ComplaintSurvival,
    LoopSummary,
    complaint_survival,
    fault_churn,
    loop_summary,
    sla_attainment,
    volumes,
)
from cxm.cases.frames import case_frames
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["LoopReport", "loop_report"]


@dataclass(frozen=True)
class LoopReport:
    as_of: date
    summary: LoopSummary
    by_type: pd.DataFrame
    by_fault: pd.DataFrame
    by_emotion: pd.DataFrame
    by_stage: pd.DataFrame
    by_tier: pd.DataFrame
    sla: pd.DataFrame
    survival: ComplaintSurvival | None
    faults_and_churn: pd.DataFrame


def loop_report(session: Session, *, as_of: date | None = None) -> LoopReport:
    cases, followups, costs, customers = case_frames(session)
    if cases.empty:
        raise InputError(
            _(
                "There are no cases yet: open one with `cxm cases create`, or load "
                "rules with `cxm cases rules load`."
            )
        )
    last = max(
        cases["opened_at"].max().date(),
        customers["churned_on"].max().date() if customers["churned_on"].notna().any() else date.min,
    )
    day = as_of or last
    now = pd.Timestamp(datetime.combine(day, datetime.max.time()), tz=UTC)
    survival = None
    try:
        survival = complaint_survival(customers, cases, followups, as_of=pd.Timestamp(day))
    except InputError:
        survival = None
    return LoopReport(
        as_of=day,
        summary=loop_summary(cases, followups, costs),
        by_type=volumes(cases, "type"),
        by_fault=volumes(cases, "faults"),
        by_emotion=volumes(cases, "emotion_in"),
        by_stage=volumes(cases, "stage"),
        by_tier=volumes(cases, "tier"),
        sla=sla_attainment(cases, now=now, by="tier"),
        survival=survival,
        faults_and_churn=fault_churn(cases, customers, as_of=pd.Timestamp(day)),
    )
