"""Improvement projects (the documents' TCS teams): DMAIC phases, a baseline and an after
period measured from the data, the effect with its test, the team league and recognition.

Rules that keep the result honest: the metric, the test and both windows are frozen when the
project enters Measure, and a later change needs a recorded reason; a project closes as
"improved" only when its measured effect is significant and in the better direction; numbers
are always computed from the stored data, never typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.analytics.improvement import Effect, poisson_rates, two_proportions, welch_means
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.standards.checking import judged_records, source_frame
from cxm.standards.models import ImprovementProject, ProjectChange, Recognition, Standard
from cxm.store.base import utcnow

__all__ = [
    "PHASES",
    "ProjectSpec",
    "change_project",
    "close_project",
    "create_project",
    "get_project",
    "league",
    "list_projects",
    "measure_project",
    "recognise",
    "set_phase",
]

PHASES: tuple[str, ...] = ("define", "measure", "analyze", "improve", "control", "closed")
_TESTS_FOR = {"defect_rate": ("two_proportion", "poisson"), "field_mean": ("welch",)}
_FROZEN = ("metric", "field", "test", "lower_is_better", "baseline_start", "baseline_end",
           "after_start", "after_end", "problem_kind", "problem_ref")  # fmt: skip


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    team: str
    problem_kind: str
    problem_ref: str
    metric: str
    test: str
    baseline_start: date
    baseline_end: date
    after_start: date
    after_end: date
    field: str | None = None
    lower_is_better: bool = True
    cost: float | None = None


def _check(session: Session, p: ProjectSpec | ImprovementProject) -> None:
    if p.problem_kind not in ("standard", "stage"):
        raise InputError(
            _("The problem must be a standard or a stage (got {value}).", value=p.problem_kind)
        )
    if (
        p.problem_kind == "standard"
        and session.scalar(select(Standard.id).where(Standard.code == p.problem_ref)) is None
    ):
        raise InputError(_("No standard has code {code}.", code=p.problem_ref))
    if p.metric not in _TESTS_FOR:
        raise InputError(
            _("The metric must be defect_rate or field_mean (got {value}).", value=p.metric)
        )
    if p.test not in _TESTS_FOR[p.metric]:
        raise InputError(
            _(
                "The test {test} does not suit {metric}; use {tests}.",
                test=p.test,
                metric=p.metric,
                tests=" or ".join(_TESTS_FOR[p.metric]),
            )
        )
    if p.metric == "field_mean" and not p.field:
        raise InputError(_("A field_mean metric needs the field to average."))
    if not (p.baseline_start <= p.baseline_end < p.after_start <= p.after_end):
        raise InputError(
            _(
                "The windows must be baseline start ≤ end < after start ≤ end "
                "(got {b0}…{b1} and {a0}…{a1}).",
                b0=p.baseline_start,
                b1=p.baseline_end,
                a0=p.after_start,
                a1=p.after_end,
            )
        )


def get_project(session: Session, name: str) -> ImprovementProject:
    row = session.scalar(select(ImprovementProject).where(ImprovementProject.name == name))
    if row is None:
        raise NotFound(_("No improvement project is named {name}.", name=name))
    return row


def create_project(session: Session, spec: ProjectSpec) -> ImprovementProject:
    """A new project in the Define phase."""
    if not spec.name.strip() or not spec.team.strip():
        raise InputError(_("A project needs a name and a team."))
    _check(session, spec)
    if session.scalar(select(ImprovementProject.id).where(ImprovementProject.name == spec.name)):
        raise InputError(_("A project named {name} exists already.", name=spec.name))
    row = ImprovementProject(
        **{k: getattr(spec, k) for k in ProjectSpec.__dataclass_fields__},
        phase="define",
        status="open",
    )
    session.add(row)
    session.flush()
    return row


def set_phase(session: Session, name: str, phase: str) -> ImprovementProject:
    """Move a project to another DMAIC phase; entering Measure freezes its settings."""
    row = get_project(session, name)
    if phase not in PHASES or phase == "closed":
        raise InputError(
            _("The phase must be one of {phases} (got {value}).", phases=", ".join(PHASES[:-1]),
              value=phase)
        )  # fmt: skip
    if row.phase == "closed":
        raise InputError(_("Project {name} is closed.", name=name))
    if PHASES.index(phase) >= 1 and row.frozen_at is None:
        row.frozen_at = utcnow()
    row.phase = phase
    return row


def change_project(
    session: Session, name: str, setting: str, value: Any, *, reason: str | None, by: str | None
) -> ImprovementProject:
    """Change one setting; once frozen (Measure or later) a reason is required and recorded."""
    row = get_project(session, name)
    if setting not in (*_FROZEN, "team", "cost"):
        raise InputError(_("{setting} cannot be changed.", setting=setting))
    old = getattr(row, setting)
    if setting in ("baseline_start", "baseline_end", "after_start", "after_end"):
        value = date.fromisoformat(str(value))
    elif setting == "cost":
        value = float(value)
    elif setting == "lower_is_better":
        value = str(value).lower() in ("1", "true", "yes")
    frozen = row.frozen_at is not None and setting in _FROZEN
    if frozen and not (reason or "").strip():
        raise InputError(
            _(
                "Project {name} is past Measure: changing {setting} needs a reason.",
                name=name,
                setting=setting,
            )
        )
    setattr(row, setting, value)
    _check(session, row)
    if frozen:
        session.add(
            ProjectChange(
                project_id=row.id,
                setting=setting,
                old_value=None if old is None else str(old),
                new_value=str(value),
                reason=str(reason).strip(),
                changed_by=by,
            )
        )
    return row


def _window(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    lo = pd.Timestamp(start, tz=UTC)
    hi = pd.Timestamp(end, tz=UTC) + pd.Timedelta(days=1)
    when = pd.to_datetime(frame["when"], utc=True)
    return frame[(when >= lo) & (when < hi)]


def _standards_of(session: Session, row: ImprovementProject) -> list[Standard]:
    q = select(Standard).where(Standard.active.is_(True))
    if row.problem_kind == "standard":
        q = q.where(Standard.code == row.problem_ref)
    else:
        q = q.where(Standard.stage == row.problem_ref)
    return list(session.scalars(q))


def measure_project(session: Session, name: str) -> Effect:
    """Compute baseline, after period and effect from the data; store it on the project."""
    row = get_project(session, name)
    if row.metric == "defect_rate":
        parts = [judged_records(session, s) for s in _standards_of(session, row)]
        parts = [p for p in parts if len(p)]
        frame = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(columns=["when", "defect"])
        )
        base = _window(frame, row.baseline_start, row.baseline_end)
        after = _window(frame, row.after_start, row.after_end)
        if after.empty:
            raise InputError(_("Project {name} has no data in its after period yet.", name=name))
        if base.empty:
            raise InputError(_("Project {name} has no data in its baseline.", name=name))
        x1, n1 = int(base["defect"].sum()), len(base)
        x2, n2 = int(after["defect"].sum()), len(after)
        fn = two_proportions if row.test == "two_proportion" else poisson_rates
        effect = fn(x1, n1, x2, n2, lower_is_better=row.lower_is_better)
    else:
        frame = source_frame(session, "touchpoints")
        stage = row.problem_ref
        if row.problem_kind == "standard":
            stage = _standards_of(session, row)[0].stage
        frame = frame[frame["stage"] == stage]
        if row.field not in frame.columns:
            raise InputError(_("No touchpoint records the field {field}.", field=row.field))
        frame = frame.assign(value=pd.to_numeric(frame[row.field], errors="coerce"))
        values_before = _window(frame, row.baseline_start, row.baseline_end)["value"].dropna()
        values_after = _window(frame, row.after_start, row.after_end)["value"].dropna()
        if values_after.empty:
            raise InputError(_("Project {name} has no data in its after period yet.", name=name))
        effect = welch_means(values_before, values_after, lower_is_better=row.lower_is_better)
    row.result = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v)
        for k, v in effect.to_dict().items()
    } | {"measured_at": datetime.now(UTC).isoformat()}
    return effect


def close_project(session: Session, name: str) -> Effect:
    """Close a project as improved: refused unless the measured effect is significant and
    in the better direction (the project then stays open)."""
    row = get_project(session, name)
    if row.phase == "closed":
        raise InputError(_("Project {name} is closed.", name=name))
    if row.frozen_at is None:
        raise InputError(_("Project {name} never entered Measure.", name=name))
    effect = measure_project(session, name)
    if not effect.improved:
        raise InputError(
            _(
                "Project {name} cannot close as improved: the effect {diff} "
                "(95% CI {low} to {high}, p = {p}) is not a significant improvement; "
                "it stays open.",
                name=name,
                diff=f"{effect.difference:+.4g}",
                low=f"{effect.ci_low:.4g}",
                high=f"{effect.ci_high:.4g}",
                p=f"{effect.p_value:.3g}",
            )
        )
    row.phase = "closed"
    row.status = "improved"
    row.closed_at = utcnow()
    return effect


def list_projects(session: Session) -> pd.DataFrame:
    """Projects with their phase, status and last measured effect."""
    rows = []
    for p in session.scalars(select(ImprovementProject).order_by(ImprovementProject.name)):
        r = p.result or {}
        rows.append(
            {
                "name": p.name,
                "team": p.team,
                "problem": f"{p.problem_kind}:{p.problem_ref}",
                "phase": p.phase,
                "status": p.status,
                "metric": p.metric if p.metric == "defect_rate" else f"mean {p.field}",
                "test": p.test,
                "baseline": r.get("baseline"),
                "after": r.get("after"),
                "difference": r.get("difference"),
                "ci_low": r.get("ci_low"),
                "ci_high": r.get("ci_high"),
                "p_value": r.get("p_value"),
                "cost": p.cost,
            }
        )
    cols = ["name", "team", "problem", "phase", "status", "metric", "test", "baseline", "after",
            "difference", "ci_low", "ci_high", "p_value", "cost"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def league(session: Session) -> pd.DataFrame:
    """Teams ranked by measured improvement: improved projects first, then the summed
    relative improvement of those projects (a 30 % fall in defects counts 0.30)."""
    rows = []
    for p in session.scalars(select(ImprovementProject)):
        r = p.result or {}
        rel = r.get("relative_change")
        gain = 0.0
        if p.status == "improved" and rel is not None:
            gain = -float(rel) if p.lower_is_better else float(rel)
        rows.append({"team": p.team, "improved": p.status == "improved", "gain": gain})
    if not rows:
        return pd.DataFrame(columns=["rank", "team", "projects", "improved", "improvement"])
    df = pd.DataFrame(rows)
    out = (
        df.groupby("team")
        .agg(
            projects=("improved", "size"), improved=("improved", "sum"), improvement=("gain", "sum")
        )
        .reset_index()
        .sort_values(["improved", "improvement", "team"], ascending=[False, False, True])
        .reset_index(drop=True)
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def recognise(
    session: Session, name: str, *, person: str, reason: str, on: date | None = None
) -> Recognition:
    """Record that ``person`` was rewarded for project ``name``'s measured result."""
    row = get_project(session, name)
    if not person.strip() or not reason.strip():
        raise InputError(_("A recognition needs a person and a reason."))
    if row.status != "improved":
        raise InputError(
            _("Project {name} has no measured improvement to recognise yet.", name=name)
        )
    rec = Recognition(
        project_id=row.id, person=person.strip(), reason=reason.strip(),
        awarded_on=on or date.today(),
    )  # fmt: skip
    session.add(rec)
    return rec
