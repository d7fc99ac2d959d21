"""The closed loop's data as DataFrames (cases, follow-ups, recovery costs, customers):
the only place the case report reads the store."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.cases.models import Case, CaseFollowUp, RecoveryAction
from cxm.customers.models import Customer

__all__ = ["case_frames"]


def case_frames(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.DataFrame]:
    """(cases, follow-ups, recovery cost per case, customers with churn dates)."""
    cases = pd.DataFrame(
        session.execute(
            select(
                Case.id.label("case_id"),
                Case.customer_id,
                Case.type,
                Case.status,
                Case.tier,
                Case.stage,
                Case.channel,
                Case.team_id,
                Case.owner_user_id,
                Case.emotion_in,
                Case.emotion_out,
                Case.faults,
                Case.handoffs,
                Case.reopened,
                Case.needed_supervisor,
                Case.opened_at,
                Case.first_response_due,
                Case.first_response_at,
                Case.resolution_due,
                Case.resolved_at,
            ).order_by(Case.id)
        ).all()
    )
    columns = [
        "case_id",
        "customer_id",
        "type",
        "status",
        "tier",
        "stage",
        "channel",
        "team_id",
        "owner_user_id",
        "emotion_in",
        "emotion_out",
        "faults",
        "handoffs",
        "reopened",
        "needed_supervisor",
        "opened_at",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
    ]
    if cases.empty:
        cases = pd.DataFrame(columns=columns)
    for col in ("type", "status", "emotion_in", "emotion_out"):
        cases[col] = cases[col].map(lambda v: None if v is None else str(getattr(v, "value", v)))
    for col in (
        "opened_at",
        "first_response_due",
        "first_response_at",
        "resolution_due",
        "resolved_at",
    ):
        cases[col] = pd.to_datetime(cases[col], utc=True)
    followups = pd.DataFrame(
        session.execute(
            select(
                CaseFollowUp.case_id,
                CaseFollowUp.round,
                CaseFollowUp.sent_at,
                CaseFollowUp.answered_at,
                CaseFollowUp.solved,
                CaseFollowUp.handling_csat,
                CaseFollowUp.recommend,
            )
        ).all(),
        columns=[
            "case_id",
            "round",
            "sent_at",
            "answered_at",
            "solved",
            "handling_csat",
            "recommend",
        ],
    )
    costs = pd.Series(
        dict(
            session.execute(
                select(RecoveryAction.case_id, func.sum(RecoveryAction.cost)).group_by(
                    RecoveryAction.case_id
                )
            ).all()
        ),
        dtype=float,
    )
    customers = pd.DataFrame(
        session.execute(select(Customer.id.label("customer_id"), Customer.churned_on)).all(),
        columns=["customer_id", "churned_on"],
    )
    customers["churned_on"] = pd.to_datetime(customers["churned_on"])
    return cases, followups, costs, customers
