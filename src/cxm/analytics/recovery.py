"""What the closed loop achieved: volumes, SLA attainment, first-contact resolution,
hand-offs, recovery cost, follow-up satisfaction, and churn after a complaint.

Pure functions on DataFrames (one row per case; one row per customer).

The recovery paradox — customers whose complaint was resolved well end more loyal than
those who never complained — is *tested* here, not assumed: :func:`complaint_survival`
compares Kaplan–Meier retention of five groups (resolved well, resolved badly, resolved
with no follow-up answer, never resolved, never complained) with a log-rank test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxm.analytics.churn import survival_curves, wilson_interval
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "GROUPS",
    "ComplaintSurvival",
    "complaint_groups",
    "complaint_survival",
    "fault_churn",
    "loop_summary",
    "sla_attainment",
    "volumes",
]

#: The groups of :func:`complaint_groups`, in the order a report shows them.
GROUPS = (
    "resolved_well",
    "resolved_badly",
    "resolved_no_answer",
    "never_resolved",
    "never_complained",
)


def _need(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(_("{what} lacks columns: {cols}", what=what, cols=", ".join(missing)))


def volumes(cases: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cases per value of ``by`` (a list column such as ``faults`` counts each element)."""
    _need(cases, [by], "cases")
    col = cases[by]
    if col.map(lambda v: isinstance(v, list | tuple)).any():
        col = col.explode()
    counts = col.dropna().value_counts()
    out = counts.rename_axis(by).reset_index(name="cases")
    out["share"] = out["cases"] / max(len(cases), 1)
    return out


def sla_attainment(
    cases: pd.DataFrame, *, now: pd.Timestamp, by: str = "tier", confidence: float = 0.95
) -> pd.DataFrame:
    """Share of cases whose first response and resolution met their deadline, per ``by``,
    with Wilson intervals. A case counts once its clock has stopped or its deadline has
    passed (a running clock that may still be met is left out)."""
    _need(
        cases,
        [by, "first_response_due", "first_response_at", "resolution_due", "resolved_at"],
        "cases",
    )
    rows: list[dict[str, Any]] = []
    for clock, due_col, done_col in (
        ("first_response", "first_response_due", "first_response_at"),
        ("resolution", "resolution_due", "resolved_at"),
    ):
        due = pd.to_datetime(cases[due_col], utc=True)
        done = pd.to_datetime(cases[done_col], utc=True)
        decided = done.notna() | (due < now)
        met = done.notna() & (done <= due)
        frame = pd.DataFrame({"g": cases[by], "decided": decided, "met": met & decided})
        grouped = frame[frame["decided"]].groupby("g", sort=True)
        n = grouped.size()
        k = grouped["met"].sum()
        lo, hi = wilson_interval(k.to_numpy(), n.to_numpy(), confidence)
        for i, g in enumerate(n.index):
            rows.append(
                {
                    by: g,
                    "clock": clock,
                    "cases": int(n.iloc[i]),
                    "met": int(k.iloc[i]),
                    "attainment": float(k.iloc[i] / n.iloc[i]),
                    "ci_low": float(lo[i]),
                    "ci_high": float(hi[i]),
                }
            )
    return pd.DataFrame(
        rows, columns=[by, "clock", "cases", "met", "attainment", "ci_low", "ci_high"]
    )


@dataclass(frozen=True)
class LoopSummary:
    cases: int
    open: int
    resolved: int
    first_contact_resolution: float
    fcr_ci: tuple[float, float]
    handoffs_per_case: float
    reopened_share: float
    supervisor_share: float
    recovery_cost: float
    followups_answered: int
    followup_csat: float
    followup_csat_ci: tuple[float, float]
    followup_solved: float
    anger_turned: float
    angry_cases_closed: int


def loop_summary(cases: pd.DataFrame, followups: pd.DataFrame, costs: pd.Series) -> LoopSummary:
    """Headline figures. First-contact resolution: resolved with no hand-off and never
    reopened. Follow-up CSAT: share of handling scores 4–5. Anger turned around: among
    closed cases that arrived angry, the share that left happy."""
    _need(
        cases,
        ["status", "handoffs", "reopened", "needed_supervisor", "emotion_in", "emotion_out"],
        "cases",
    )
    done = cases["status"].isin(["resolved", "closed"])
    n_done = int(done.sum())
    fcr_k = int((done & (cases["handoffs"] == 0) & (cases["reopened"] == 0)).sum())
    lo, hi = wilson_interval([fcr_k], [n_done])
    answered = followups[followups["handling_csat"].notna()] if len(followups) else followups
    n_ans = len(answered)
    sat_k = int((answered["handling_csat"] >= 4).sum()) if n_ans else 0
    slo, shi = wilson_interval([sat_k], [n_ans])
    solved = followups["solved"].dropna() if len(followups) else pd.Series(dtype=float)
    angry = done & (cases["emotion_in"] == "angry") & cases["emotion_out"].notna()
    turned = int((angry & (cases["emotion_out"] == "happy")).sum())
    return LoopSummary(
        cases=len(cases),
        open=int((~done).sum()),
        resolved=n_done,
        first_contact_resolution=fcr_k / n_done if n_done else float("nan"),
        fcr_ci=(float(lo[0]), float(hi[0])),
        handoffs_per_case=float(cases["handoffs"].mean()) if len(cases) else float("nan"),
        reopened_share=float((cases["reopened"] > 0).mean()) if len(cases) else float("nan"),
        supervisor_share=float(cases.loc[done, "needed_supervisor"].mean())
        if n_done
        else float("nan"),
        recovery_cost=float(costs.sum()),
        followups_answered=n_ans,
        followup_csat=sat_k / n_ans if n_ans else float("nan"),
        followup_csat_ci=(float(slo[0]), float(shi[0])),
        followup_solved=float(solved.astype(float).mean()) if len(solved) else float("nan"),
        anger_turned=turned / int(angry.sum()) if int(angry.sum()) else float("nan"),
        angry_cases_closed=int(angry.sum()),
    )


def complaint_groups(
    customers: pd.DataFrame, cases: pd.DataFrame, followups: pd.DataFrame
) -> pd.DataFrame:
    """Each customer's group and the date their clock starts.

    A complainer's clock starts at their first complaint (detractor follow-ups count too);
    the group is that case's fate: resolved and the latest follow-up says solved with a
    handling score ≥ 4 (well), any other answer (badly), no answer, or not resolved. A
    customer who never complained starts at the landmark — the median complaint date — so
    both sides are compared from a similar point in time; those gone before it are left out.
    """
    _need(customers, ["customer_id", "churned_on"], "customers")
    _need(cases, ["case_id", "customer_id", "type", "opened_at", "status"], "cases")
    complaints = cases[cases["type"].isin(["complaint", "detractor_followup"])].copy()
    complaints["opened_at"] = pd.to_datetime(complaints["opened_at"], utc=True)
    first = complaints.sort_values(["opened_at", "case_id"]).drop_duplicates("customer_id")
    verdict = pd.Series("resolved_no_answer", index=first.index, dtype=object)
    if len(followups):
        latest = (
            followups.dropna(subset=["answered_at"])
            .sort_values(["case_id", "round"])
            .drop_duplicates("case_id", keep="last")
        )
        good = latest["solved"].astype("boolean").fillna(False).astype(bool) & (
            latest["handling_csat"].astype(float).fillna(0) >= 4
        )
        fate = pd.Series(
            np.where(good, "resolved_well", "resolved_badly"), index=latest["case_id"].to_numpy()
        )
        verdict = first["case_id"].map(fate).fillna("resolved_no_answer").astype(object)
    unresolved = ~first["status"].isin(["resolved", "closed"])
    verdict[unresolved] = "never_resolved"
    out = pd.DataFrame(
        {
            "customer_id": first["customer_id"].to_numpy(),
            "group": verdict.to_numpy(),
            "start": first["opened_at"].dt.tz_localize(None).dt.normalize().to_numpy(),
        }
    )
    if len(first):
        landmark = first["opened_at"].dt.tz_localize(None).dt.normalize().median()
        churned = pd.to_datetime(customers["churned_on"])
        quiet = customers[
            ~customers["customer_id"].isin(out["customer_id"])
            & (churned.isna() | (churned > landmark))
        ]
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    {
                        "customer_id": quiet["customer_id"].to_numpy(),
                        "group": "never_complained",
                        "start": landmark,
                    }
                ),
            ],
            ignore_index=True,
        )
    return out


@dataclass(frozen=True)
class ComplaintSurvival:
    curves: pd.DataFrame
    summary: pd.DataFrame
    logrank_p: float
    landmark: pd.Timestamp | None


def complaint_survival(
    customers: pd.DataFrame,
    cases: pd.DataFrame,
    followups: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    at: tuple[float, ...] = (180.0, 365.0),
) -> ComplaintSurvival:
    """Kaplan–Meier retention after a complaint per :data:`GROUPS` (days from the clock's
    start to churn, censored at ``as_of``), with the multivariate log-rank p-value."""
    groups = complaint_groups(customers, cases, followups)
    if groups.empty:
        raise InputError(_("No complaints to follow: churn after a complaint needs cases."))
    churned = pd.to_datetime(customers.set_index("customer_id")["churned_on"])
    end = groups["customer_id"].map(churned)
    event = end.notna() & (end <= as_of)
    stop = end.where(event, as_of)
    days = (pd.to_datetime(stop) - pd.to_datetime(groups["start"])).dt.days.clip(lower=0)
    fitted = survival_curves(days.to_numpy(float), event.to_numpy(), groups["group"], at=at)
    curves, summary = fitted.curves, fitted.summary
    order = {g: i for i, g in enumerate(GROUPS)}
    summary = summary.sort_values("group", key=lambda s: s.map(order)).reset_index(drop=True)
    p = float(fitted.logrank_p)
    landmark = groups.loc[groups["group"] == "never_complained", "start"]
    return ComplaintSurvival(
        curves=curves,
        summary=summary,
        logrank_p=p,
        landmark=pd.Timestamp(landmark.iloc[0]) if len(landmark) else None,
    )


def fault_churn(
    cases: pd.DataFrame, customers: pd.DataFrame, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Per service fault: cases, customers, and the share of those customers who churned
    after the case; plus each fault's share of all churned complainers."""
    _need(cases, ["customer_id", "faults", "opened_at"], "cases")
    x = cases[["customer_id", "faults", "opened_at"]].explode("faults").dropna(subset=["faults"])
    if x.empty:
        return pd.DataFrame(
            columns=["fault", "cases", "customers", "churned", "churn_share", "share_of_churned"]
        )
    churned = pd.to_datetime(customers.set_index("customer_id")["churned_on"])
    x["churned_after"] = x["customer_id"].map(churned)
    opened = pd.to_datetime(x["opened_at"], utc=True).dt.tz_localize(None)
    x["churned"] = (
        x["churned_after"].notna()
        & (x["churned_after"] >= opened.dt.normalize())
        & (x["churned_after"] <= as_of)
    )
    per_customer = x.groupby(["faults", "customer_id"])["churned"].max().reset_index()
    total_churned = per_customer.loc[per_customer["churned"], "customer_id"].nunique()
    out = per_customer.groupby("faults").agg(
        customers=("customer_id", "size"), churned=("churned", "sum")
    )
    out["cases"] = x.groupby("faults").size()
    out["churn_share"] = out["churned"] / out["customers"]
    out["share_of_churned"] = out["churned"] / total_churned if total_churned else np.nan
    out = out.rename_axis("fault").reset_index()
    return (
        out[["fault", "cases", "customers", "churned", "churn_share", "share_of_churned"]]
        .sort_values(["churned", "cases"], ascending=False)
        .reset_index(drop=True)
    )
