"""Moments of truth: every contact leaves a silent rating. Satisfaction with single
contacts by journey stage and by team, from the moment-of-truth surveys.

Data: ``scores`` of :mod:`cxm.analytics.scores` on the moment-of-truth responses grouped by
stage and by team — what ``cxm scores MOMENTS.csv --items MOT_SAT --by stage --json``
prints for those responses with the touchpoint's stage and team added.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table

__all__ = ["KEY", "data", "moments_frame", "present", "title"]

KEY = "moments"
ITEM = "MOT_SAT"


def title() -> str:
    return _("Moments of truth: by touchpoint stage and team")


def moments_frame(ctx: ReportContext) -> pd.DataFrame:
    """Moment-of-truth responses with ``stage`` and ``team`` columns."""
    from cxm.frames.moments import moments_frame as read_moments

    with ctx.require_store().session() as session:
        frame = read_moments(session)
    if frame is None or frame.empty or ITEM not in frame.columns:
        raise NoData(_("No moment-of-truth surveys yet."))
    return frame


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.analytics.scores import scores

    frame = moments_frame(ctx)
    return {
        "item": ITEM,
        "responses": len(frame),
        "by_stage": scores(frame, [ITEM], by="stage", min_n=ctx.min_n).to_dict("records"),
        "by_team": scores(frame, [ITEM], by="team", min_n=ctx.min_n).to_dict("records"),
    }


def _stage_label(code: Any) -> str:
    from cxm.customers.codes import JourneyStage, stage_label

    try:
        return stage_label(JourneyStage(str(code)))
    except ValueError:
        return str(code)


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    s = Section(
        KEY,
        title(),
        intro=_("{n} contacts were rated right after they happened.", n=d["responses"]),
    )
    from cxm.customers.codes import JourneyStage

    order = {stage.value: i for i, stage in enumerate(JourneyStage)}
    for key, group, label in (("by_stage", "stage", _("stage")), ("by_team", "team", _("team"))):
        rows = [r for r in d[key] if r.get(group) is not None]
        if group == "stage":  # in the order of the customer journey
            rows.sort(key=lambda r: order.get(str(r["stage"]), len(order)))
        src = f"cxm scores MOMENTS.csv --items {d['item']} --by {group} --json"
        name = _stage_label if group == "stage" else str
        shown = [r for r in rows if fmt.is_num(r.get("csat"))]
        s.charts.append(
            Chart(
                f"moments-{group}",
                _("CSAT of single contacts by {what}", what=label),
                "hbar" if group == "team" else "bar",
                (
                    Series(
                        _("CSAT"),
                        tuple(name(r[group]) for r in shown),
                        tuple(r["csat"] for r in shown),
                        tuple((r["csat_ci_high"] - r["csat_ci_low"]) / 2 for r in shown),
                    ),
                ),
                src,
                percent=True,
                y_range=(0.0, 1.0),
            )
        )
        s.tables.append(
            Table(
                _("CSAT of single contacts by {what}", what=label),
                (label, _("CSAT"), _("interval"), _("100-point score"), _("n")),
                tuple(
                    (
                        name(r[group]),
                        fmt.pct(r.get("csat")),
                        fmt.ci_text(r.get("csat_ci_low"), r.get("csat_ci_high"), percent=True),
                        fmt.num(r.get("score_100")),
                        str(r.get("n")),
                    )
                    for r in rows
                ),
                src,
            )
        )
    teams = [r for r in d["by_team"] if fmt.is_num(r.get("csat")) and r.get("team")]
    if len(teams) > 1:
        worst, best = min(teams, key=lambda r: r["csat"]), max(teams, key=lambda r: r["csat"])
        s.decisions.append(
            Decision(
                _(
                    "Team {worst} satisfies {worst_value} of the customers it serves, team {best} "
                    "{best_value}: let {best} show {worst} how, and measure again.",
                    worst=worst["team"],
                    worst_value=fmt.pct(worst["csat"]),
                    best=best["team"],
                    best_value=fmt.pct(best["csat"]),
                )
            )
        )
    return s
