"""What a service process's data says about its flow chart: waiting between steps, repeated
contacts at a step, and hand-offs of complaints between people and departments.

Pure functions on DataFrames (no store): the journey service
(:func:`cxm.standards.flow.analyse_steps`) feeds them touchpoints and cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from cxm.analytics._intervals import wilson

__all__ = ["handoffs_by_stage", "repeat_contacts", "step_waits"]

_WAIT_COLUMNS = ["step", "after_step", "waits", "median_hours", "p90_hours", "over_limit_share"]


def step_waits(
    touchpoints: pd.DataFrame,
    steps: Sequence[tuple[str, str, float | None]],
) -> pd.DataFrame:
    """Waiting before each step: for every touchpoint of a step's type, the hours since the
    same customer's latest touchpoint of the previous step (the nearest earlier step that has
    a touchpoint type), when there is one.

    Parameters
    ----------
    touchpoints : DataFrame
        ``customer_id``, ``touchpoint_type``, ``occurred_at`` (datetimes).
    steps : sequence of (step code, touchpoint type, longest acceptable wait in hours or None)
        In journey order; only steps with a touchpoint type.

    Returns
    -------
    DataFrame
        ``step``, ``after_step``, ``waits`` (how many were measured), ``median_hours``,
        ``p90_hours`` (linear interpolation, numpy's default), ``over_limit_share`` (share
        above the step's limit; NaN without one). The first step has no previous step and is
        left out.
    """
    rows = []
    tp = touchpoints.dropna(subset=["customer_id", "touchpoint_type", "occurred_at"])
    tp = tp.assign(occurred_at=pd.to_datetime(tp["occurred_at"], utc=True))
    for (prev_code, prev_type, _limit), (code, ttype, limit) in pairwise(steps):
        later = tp[tp["touchpoint_type"] == ttype][["customer_id", "occurred_at"]]
        earlier = tp[tp["touchpoint_type"] == prev_type][["customer_id", "occurred_at"]]
        if later.empty or earlier.empty:
            rows.append([code, prev_code, 0, np.nan, np.nan, np.nan])
            continue
        joined = pd.merge_asof(
            later.sort_values("occurred_at").rename(columns={"occurred_at": "at"}),
            earlier.sort_values("occurred_at").rename(columns={"occurred_at": "before"}),
            left_on="at",
            right_on="before",
            by="customer_id",
            allow_exact_matches=False,
            direction="backward",
        ).dropna(subset=["before"])
        hours = ((joined["at"] - joined["before"]).dt.total_seconds() / 3600.0).to_numpy()
        if len(hours) == 0:
            rows.append([code, prev_code, 0, np.nan, np.nan, np.nan])
            continue
        over = float(np.mean(hours > limit)) if limit is not None else np.nan
        rows.append(
            [
                code,
                prev_code,
                len(hours),
                float(np.median(hours)),
                float(np.percentile(hours, 90)),
                over,
            ]
        )
    return pd.DataFrame(rows, columns=_WAIT_COLUMNS)


def repeat_contacts(touchpoints: pd.DataFrame, *, within_days: float = 7.0) -> pd.DataFrame:
    """Per touchpoint type: ``touchpoints``, ``repeats`` (followed by another touchpoint of
    the same type for the same customer within ``within_days``: the step did not finish the
    job the first time, or it is done twice) and ``repeat_share`` with its Wilson 95 %
    interval (``ci_low``, ``ci_high``)."""
    tp = touchpoints.dropna(subset=["customer_id", "touchpoint_type", "occurred_at"])
    tp = tp.assign(occurred_at=pd.to_datetime(tp["occurred_at"], utc=True)).sort_values(
        ["touchpoint_type", "customer_id", "occurred_at"]
    )
    same = (tp["touchpoint_type"] == tp["touchpoint_type"].shift(-1)) & (
        tp["customer_id"] == tp["customer_id"].shift(-1)
    )
    gap = (tp["occurred_at"].shift(-1) - tp["occurred_at"]).dt.total_seconds() / 86400.0
    tp = tp.assign(repeat=same & (gap <= within_days))
    g = tp.groupby("touchpoint_type", sort=True)["repeat"]
    out = pd.DataFrame({"touchpoints": g.size(), "repeats": g.sum().astype(int)}).reset_index()
    n = out["touchpoints"].to_numpy(float)
    out["repeat_share"] = out["repeats"] / n
    out["ci_low"], out["ci_high"] = wilson(out["repeats"].to_numpy(float), n, 0.95)
    return out


def handoffs_by_stage(cases: pd.DataFrame) -> pd.DataFrame:
    """Hand-offs of cases per journey stage.

    Parameters
    ----------
    cases : DataFrame
        ``stage``, ``handoffs`` (times the case changed hands), ``crossed`` (times it was
        sent to another department), ``resolution_hours`` (NaN while open), ``faults``
        (lists of service-fault codes).

    Returns
    -------
    DataFrame
        ``stage``, ``cases``, ``handed_over`` (cases that changed hands at least once),
        ``handed_over_share`` with Wilson ``ci_low``/``ci_high``, ``handoffs``,
        ``cross_department`` (cases sent on to another department), ``blocked_by_rules``
        (fault "hiding behind company rules"), ``passed_the_buck`` (fault "passing the
        buck"), ``median_hours_handed`` and ``median_hours_direct`` (resolution time of
        resolved cases with and without a hand-off).
    """
    c = cases.dropna(subset=["stage"]).copy()
    c["handed"] = c["handoffs"].fillna(0) > 0
    faults = c["faults"].map(lambda f: set(f or ()))
    c["blocked"] = faults.map(lambda f: "hiding_behind_rules" in f)
    c["buck"] = faults.map(lambda f: "passing_the_buck" in f)
    c["cross"] = (c["crossed"].fillna(0) > 0) | faults.map(
        lambda f: "department_to_department" in f
    )
    rows = []
    for stage, g in c.groupby("stage", sort=True):
        hours = g["resolution_hours"]
        rows.append(
            {
                "stage": stage,
                "cases": len(g),
                "handed_over": int(g["handed"].sum()),
                "handoffs": int(g["handoffs"].fillna(0).sum()),
                "cross_department": int(g["cross"].sum()),
                "blocked_by_rules": int(g["blocked"].sum()),
                "passed_the_buck": int(g["buck"].sum()),
                "median_hours_handed": float(hours[g["handed"]].median()),
                "median_hours_direct": float(hours[~g["handed"]].median()),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "stage", "cases", "handed_over", "handoffs", "cross_department",
            "blocked_by_rules", "passed_the_buck", "median_hours_handed", "median_hours_direct",
        ],
    )  # fmt: skip
    n = out["cases"].to_numpy(float)
    out.insert(3, "handed_over_share", out["handed_over"] / np.where(n > 0, n, np.nan))
    low, high = wilson(out["handed_over"].to_numpy(float), n, 0.95)
    out.insert(4, "ci_low", low)
    out.insert(5, "ci_high", high)
    return out
