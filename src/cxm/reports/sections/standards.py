"""Service standards and six sigma: DPMO and sigma level per stage and standard, the stage
with the most value-weighted defects, where the promise runs ahead of delivery, and the
improvement projects with their measured effects and the team league.

Data: :func:`cxm.standards.reporting.report` and :mod:`cxm.standards.projects` — what
``cxm standards report --json``, ``cxm projects list --json`` and ``cxm projects league
--json`` print (after ``cxm standards check``).
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table

__all__ = ["KEY", "data", "present", "title"]

KEY = "standards"


def title() -> str:
    return _("Service standards and six sigma")


def data(ctx: ReportContext) -> dict[str, Any]:
    from sqlalchemy import func, select

    from cxm.standards.models import StandardDefects
    from cxm.standards.projects import league, list_projects
    from cxm.standards.reporting import report

    with ctx.require_store().session() as session:
        if not session.scalar(select(func.count()).select_from(StandardDefects)):
            raise NoData(
                _("No defects counted yet: run cxm standards load and cxm standards check.")
            )
        by_stage = report(session, by="stage")
        by_standard = report(session, by="standard")
        projects = list_projects(session)
        teams = league(session)
        steps = _process_steps(session)
    return {
        "process_steps": steps,
        "overall": by_stage.overall.to_dict("records")[0],
        "stages": by_stage.table.to_dict("records"),
        "standards": by_standard.table.to_dict("records"),
        "worst_stage": by_stage.worst_stage,
        "weighted_by_stage": by_stage.stages.to_dict("records"),
        "promise_vs_delivery": by_stage.promise.to_dict("records"),
        "projects": projects.to_dict("records"),
        "league": teams.to_dict("records"),
    }


def _process_steps(session: Any) -> list[dict[str, Any]]:
    """The process steps with what the data say (``cxm journey steps analyse --json``); none
    when no steps are loaded."""
    from cxm.standards.flow import analyse_steps
    from cxm.standards.steps import list_steps

    if list_steps(session).empty:
        return []
    flow = analyse_steps(session)
    keep = ["rank", "stage", "code", "name", "owner", "dpmo", "wait_median_hours"]
    keep += ["repeat_share", "handoff_in", "findings"]
    rows: list[dict[str, Any]] = flow.steps.sort_values("rank")[keep].to_dict("records")  # type: ignore[assignment]
    return rows


def _sigma_rows(rows: list[dict[str, Any]], key: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            str(r[key]),
            fmt.num(r["opportunities"], 0),
            fmt.num(r["defects"], 0),
            fmt.num(r["dpmo"], 0),
            fmt.pct(r["yield"]),
            "—" if r["sigma_level"] is None else fmt.num(r["sigma_level"], 2),
        )
        for r in rows
    )


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    o = d["overall"]
    s = Section(
        KEY,
        title(),
        intro=_(
            "What you can measure you can manage: each stage's concrete product, procedure and "
            "people standards, counted as defects per million opportunities. Six sigma is 3.4 "
            "DPMO. Overall: {defects} defects in {opportunities} opportunities, DPMO {dpmo}, "
            "sigma level {sigma}.",
            defects=fmt.num(o["defects"], 0),
            opportunities=fmt.num(o["opportunities"], 0),
            dpmo=fmt.num(o["dpmo"], 0),
            sigma="—" if o["sigma_level"] is None else fmt.num(o["sigma_level"], 2),
        ),
    )
    head = (_("opportunities"), _("defects"), "DPMO", _("yield"), _("sigma"))
    s.tables.append(
        Table(
            _("Defects per million opportunities by stage"),
            (_("stage"), *head),
            _sigma_rows(d["stages"], "stage"),
            "cxm standards report --by stage --json",
        )
    )
    s.charts.append(
        Chart(
            "standards-sigma-stage",
            _("Sigma level by stage"),
            "bar",
            (
                Series(
                    _("sigma"),
                    tuple(str(r["stage"]) for r in d["stages"]),
                    tuple(r["sigma_level"] for r in d["stages"]),
                ),
            ),
            "cxm standards report --by stage --json",
        )
    )
    s.tables.append(
        Table(
            _("The ten standards with the most defects per million"),
            (_("standard"), *head),
            _sigma_rows(d["standards"][:10], "standard"),
            "cxm standards report --by standard --json",
        )
    )
    if d["worst_stage"]:
        s.decisions.append(
            Decision(
                _(
                    "Fix stage {stage} first: it has the most defects weighted by the value "
                    "of the customers who met them.",
                    stage=d["worst_stage"],
                ),
                "cxm standards report --json",
            )
        )
    flagged = [r for r in d["promise_vs_delivery"] if r["flagged"]]
    if d["promise_vs_delivery"]:
        s.tables.append(
            Table(
                _("Promise against delivery per stage"),
                (_("stage"), _("promised"), _("delivered"), _("gap")),
                tuple(
                    (
                        str(r["stage"]),
                        fmt.pct(r["promised"]),
                        fmt.pct(r["delivered"]),
                        fmt.pct(r["gap"]),
                    )
                    for r in d["promise_vs_delivery"]
                ),
                "cxm standards report --json",
            )
        )
    for r in flagged[:3]:
        s.decisions.append(
            Decision(
                _(
                    "At stage {stage} the firm promises {promised} but delivers {delivered}: "
                    "raise delivery or stop over-promising.",
                    stage=r["stage"],
                    promised=fmt.pct(r["promised"]),
                    delivered=fmt.pct(r["delivered"]),
                ),
                "cxm standards report --json",
            )
        )
    steps = d.get("process_steps") or []
    if steps:
        s.tables.append(
            Table(
                _("Process steps: what the flow chart points at"),
                (
                    _("rank"),
                    _("stage"),
                    _("step"),
                    _("owner"),
                    "DPMO",
                    _("median wait (h)"),
                    _("repeats"),
                    _("findings"),
                ),
                tuple(
                    (
                        str(r["rank"]),
                        str(r["stage"]),
                        str(r["name"]),
                        str(r["owner"]),
                        fmt.num(r["dpmo"], 0),
                        fmt.num(r["wait_median_hours"], 1),
                        fmt.pct(r["repeat_share"]),
                        "; ".join(r["findings"]) or "—",
                    )
                    for r in steps[:12]
                ),
                "cxm journey steps analyse --json",
            )
        )
        first = steps[0]
        if first["findings"]:
            s.decisions.append(
                Decision(
                    _(
                        "Start with step {step} of stage {stage} (owner {owner}): {findings}.",
                        step=first["name"],
                        stage=first["stage"],
                        owner=first["owner"],
                        findings="; ".join(first["findings"]),
                    ),
                    "cxm journey steps analyse --json",
                )
            )
    if d["projects"]:
        s.tables.append(
            Table(
                _("Improvement projects"),
                (
                    _("project"),
                    _("team"),
                    _("phase"),
                    _("status"),
                    _("baseline"),
                    _("after"),
                    _("change"),
                    "p",
                ),
                tuple(
                    (
                        str(p["name"]),
                        str(p["team"]),
                        str(p["phase"]),
                        str(p["status"]),
                        fmt.num(p["baseline"], 3),
                        fmt.num(p["after"], 3),
                        fmt.num(p["difference"], 3),
                        fmt.num(p["p_value"], 3),
                    )
                    for p in d["projects"]
                ),
                "cxm projects list --json",
            )
        )
    if d["league"]:
        s.tables.append(
            Table(
                _("Team league"),
                ("#", _("team"), _("projects"), _("improved"), _("improvement")),
                tuple(
                    (
                        str(r["rank"]),
                        str(r["team"]),
                        str(r["projects"]),
                        str(r["improved"]),
                        fmt.pct(r["improvement"]),
                    )
                    for r in d["league"]
                ),
                "cxm projects league --json",
            )
        )
    return s
