"""The flow chart answered from the data (``cxm journey steps analyse``).

For each process step: its owner, the hand-off into it (the team changes from the step
before), the rule that blocks service, redundancy, parallel work, inconsistency and
automation as the firm recorded them — next to what the data measure:

* **waiting** before the step, from touchpoint times
  (:func:`~cxm.analytics.process_flow.step_waits`);
* **repeats** at the step: the same customer back at the same touchpoint type within
  7 days, a sign of a redundant step or one that did not finish the job;
* **hand-offs** of the stage's cases (case transfers, and those sent to another department),
  with resolution time handed on against handled directly; complaints that met a rule
  ("hiding behind company rules") or were passed on ("passing the buck");
* **defects** of the standards measured at the step (after ``cxm standards check``), weighted
  by the customers' value — which orders the steps: the flow chart points at what to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["REPEAT_FLAG", "WAIT_FLAG", "FlowReport", "analyse_steps"]

#: A step whose repeat share reaches this is flagged as possibly redundant or unfinished.
REPEAT_FLAG = 0.10
#: A step where this share of waits exceeds its limit is flagged.
WAIT_FLAG = 0.10
#: Repeats are counted within this many days.
REPEAT_DAYS = 7.0


@dataclass(frozen=True)
class FlowReport:
    """``steps``: one row per step in journey order with its measures, ``findings`` (list of
    sentences) and ``rank`` (1 = fix first); ``stages``: case hand-offs per stage."""

    steps: pd.DataFrame
    stages: pd.DataFrame


def _touchpoints(session: Session) -> pd.DataFrame:
    from cxm.customers.models import Touchpoint

    q = select(Touchpoint.customer_id, Touchpoint.touchpoint_type, Touchpoint.occurred_at)
    return pd.DataFrame(
        session.connection().execute(q).all(),
        columns=["customer_id", "touchpoint_type", "occurred_at"],
    )


def _as_json(value: Any) -> Any:
    """Core rows on SQLite may hand JSON columns back as text."""
    if isinstance(value, str | bytes):
        return json.loads(value) if value else {}
    return value if value is not None else {}


def _cases(session: Session) -> pd.DataFrame:
    from cxm.cases.codes import EventKind
    from cxm.cases.models import Case, CaseEvent

    q = select(Case.id, Case.stage, Case.handoffs, Case.faults, Case.opened_at, Case.resolved_at)
    frame = pd.DataFrame(
        session.connection().execute(q).all(),
        columns=["id", "stage", "handoffs", "faults", "opened_at", "resolved_at"],
    )
    if frame.empty:
        return frame.assign(crossed=[], resolution_hours=[])
    events = session.connection().execute(
        select(CaseEvent.case_id, CaseEvent.data).where(CaseEvent.kind == EventKind.HANDOVER)
    )
    crossed: dict[int, int] = {}
    for case_id, data in events:
        if _as_json(data).get("crosses_department"):
            crossed[case_id] = crossed.get(case_id, 0) + 1
    frame["crossed"] = frame["id"].map(crossed).fillna(0).astype(int)
    frame["faults"] = frame["faults"].map(lambda f: list(_as_json(f) or []))
    opened = pd.to_datetime(frame["opened_at"], utc=True)
    resolved = pd.to_datetime(frame["resolved_at"], utc=True)
    frame["resolution_hours"] = (resolved - opened).dt.total_seconds() / 3600.0
    return frame


def _defects(session: Session) -> pd.DataFrame:
    from cxm.standards.reporting import defects_frame

    frame = defects_frame(session)
    if frame.empty:
        return pd.DataFrame(columns=["standard", "opportunities", "defects", "weighted_defects"])
    return (
        frame.groupby("standard")[["opportunities", "defects", "weighted_defects"]]
        .sum()
        .reset_index()
    )


def _rows_by(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """The rows of ``frame`` as dictionaries keyed by column ``key``."""
    return {str(r[key]): r for r in frame.to_dict("records")}  # type: ignore[misc]


def _label(name: dict[str, str]) -> str:
    from cxm.i18n import current_language

    lang = current_language()
    return name.get(lang) or name.get("zh-CN") or name.get("en") or next(iter(name.values()), "")


def analyse_steps(session: Session) -> FlowReport:
    """Answer the flow-chart questions for every stored step from the data."""
    from cxm.analytics.process_flow import handoffs_by_stage, repeat_contacts, step_waits
    from cxm.standards.steps import list_steps

    steps = list_steps(session)
    if steps.empty:
        raise InputError(_("No process steps yet: load them with cxm journey steps load FILE."))
    touchpoints = _touchpoints(session)
    typed = [
        (str(r["code"]), str(r["touchpoint_type"]), r["max_wait_hours"])
        for r in steps.to_dict("records")
        if r["touchpoint_type"]
    ]
    limits = {c: (None if w is None or w != w else float(w)) for c, _t, w in typed}
    waits = _rows_by(step_waits(touchpoints, [(c, t, limits[c]) for c, t, _w in typed]), "step")
    repeats = _rows_by(repeat_contacts(touchpoints, within_days=REPEAT_DAYS), "touchpoint_type")
    cases = _cases(session)
    stages = (
        handoffs_by_stage(cases)
        if not cases.empty
        else handoffs_by_stage(
            pd.DataFrame(columns=["stage", "handoffs", "crossed", "resolution_hours", "faults"])
        )
    )
    by_stage = _rows_by(stages, "stage")
    defects = _defects(session).set_index("standard")
    rows: list[dict[str, Any]] = []
    previous_team: str | None = None
    for r in steps.to_dict("records"):
        code, stage, team = str(r["code"]), str(r["stage"]), r["team"]
        findings: list[str] = []
        handoff_in = bool(previous_team and team and team != previous_team)
        if handoff_in:
            findings.append(
                _("hand-off from {before} to {after}", before=previous_team, after=team)
            )
        if team:
            previous_team = team
        st = by_stage.get(stage)
        if r["blocking_rule"]:
            findings.append(_("blocking rule: {rule}", rule=r["blocking_rule"]))
        if r["redundant"]:
            findings.append(_("possibly redundant: {why}", why=r["redundant"]))
        if r["parallel_with"]:
            findings.append(_("could run beside {step}", step=r["parallel_with"]))
        if r["inconsistency"]:
            findings.append(_("inconsistent: {what}", what=r["inconsistency"]))
        if r["automation"]:
            findings.append(_("could be automated: {what}", what=r["automation"]))
        w = waits.get(code)
        wait_median = float(w["median_hours"]) if w is not None else np.nan
        wait_p90 = float(w["p90_hours"]) if w is not None else np.nan
        over = float(w["over_limit_share"]) if w is not None else np.nan
        if over == over and over >= WAIT_FLAG:
            findings.append(
                _(
                    "{share} of customers waited longer than {hours} h before this step",
                    share=f"{over:.0%}",
                    hours=f"{limits[code]:g}",
                )
            )
        tp_type = r["touchpoint_type"]
        rep = repeats.get(str(tp_type)) if tp_type else None
        repeat_share = float(rep["repeat_share"]) if rep is not None else np.nan
        if repeat_share == repeat_share and repeat_share >= REPEAT_FLAG:
            findings.append(
                _(
                    "{share} of contacts came back within {days} days (repeated or unfinished)",
                    share=f"{repeat_share:.0%}",
                    days=f"{REPEAT_DAYS:g}",
                )
            )
        mine = defects.reindex([s for s in r["standards"] if s in defects.index])
        opportunities = int(mine["opportunities"].sum()) if len(mine) else 0
        n_defects = int(mine["defects"].sum()) if len(mine) else 0
        weighted = float(mine["weighted_defects"].sum()) if len(mine) else 0.0
        dpmo = n_defects / opportunities * 1e6 if opportunities else np.nan
        if n_defects:
            findings.append(
                _(
                    "{defects} defects in {opportunities} opportunities of its standards "
                    "(DPMO {dpmo})",
                    defects=n_defects,
                    opportunities=opportunities,
                    dpmo=f"{dpmo:,.0f}",
                )
            )
        rows.append(
            {
                "order": int(r["order"]),
                "stage": stage,
                "position": int(r["position"]),
                "code": code,
                "name": _label(r["name"]),
                "owner": r["owner"],
                "team": team,
                "touchpoint_type": tp_type,
                "standards": list(r["standards"]),
                "handoff_in": handoff_in,
                "blocking_rule": r["blocking_rule"],
                "redundant": r["redundant"],
                "parallel_with": r["parallel_with"],
                "inconsistency": r["inconsistency"],
                "automation": r["automation"],
                "max_wait_hours": limits.get(code),
                "waits": int(w["waits"]) if w is not None else 0,
                "wait_median_hours": wait_median,
                "wait_p90_hours": wait_p90,
                "wait_over_limit_share": over,
                "repeat_share": repeat_share,
                "stage_cases": int(st["cases"]) if st is not None else 0,
                "stage_handed_over_share": float(st["handed_over_share"])
                if st is not None
                else np.nan,
                "stage_blocked_by_rules": int(st["blocked_by_rules"]) if st is not None else 0,
                "opportunities": opportunities,
                "defects": n_defects,
                "weighted_defects": weighted,
                "dpmo": dpmo,
                "findings": findings,
            }
        )
    out = pd.DataFrame(rows)
    order = out.assign(n_findings=out["findings"].map(len)).sort_values(
        ["weighted_defects", "n_findings", "order"], ascending=[False, False, True], kind="stable"
    )
    out["rank"] = pd.Series(range(1, len(out) + 1), index=order.index)
    return FlowReport(out, stages)
