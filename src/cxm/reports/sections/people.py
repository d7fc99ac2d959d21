"""People and customers: does the employee index of a team go with its customers' results?

Data: :func:`cxm.people.linkage_report.linkage_document` — exactly what
``cxm people linkage --json`` prints (employee index per team and wave, small groups
suppressed; correlation over teams with a bootstrap interval; the lagged view; the
plain-words conclusion).
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table

__all__ = ["KEY", "data", "present", "title"]

KEY = "people"
SOURCE = "cxm people linkage --json"


def title() -> str:
    return _("People and customers")


def data(ctx: ReportContext) -> dict[str, Any]:
    from sqlalchemy import select

    from cxm.people.linkage_report import linkage_document
    from cxm.people.models import EmployeeWave

    with ctx.require_store().session() as session:
        if session.scalar(select(EmployeeWave.id).limit(1)) is None:
            raise NoData(_("No employee survey wave yet."))
        return linkage_document(session)


def _label(outcome: str) -> str:
    from cxm.analytics.linkage import outcome_label

    return outcome_label(outcome)


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    s = Section(
        KEY,
        title(),
        intro=_(
            "Employee index of {teams} teams over {waves} employee survey waves, against "
            "their customers' results. Teams with too few answers are left out.",
            teams=d["teams"],
            waves=len(d["waves"]),
        ),
    )
    rows = []
    shown = []
    for link in d["links"]:
        p, lag = link["pearson"], link["lagged"]
        rows.append(
            (
                _label(link["outcome"]),
                fmt.num(p["r"], 2) if p else "—",
                fmt.ci_text(p["low"], p["high"], digits=2) if p else "",
                fmt.num(lag["r"], 2) if lag else "—",
                str(p["teams"]) if p else "0",
            )
        )
        if p:
            shown.append(link)
        s.decisions.append(Decision(link["conclusion"], SOURCE))
    chain = d.get("path_model")
    if chain:
        s.decisions.append(Decision(chain["conclusion"], SOURCE))
    s.tables.append(
        Table(
            _("Employee index and customer results"),
            (_("customer result"), "r", _("interval"), _("r, a period later"), _("teams")),
            tuple(rows),
            SOURCE,
            note=_("Correlation over teams; 95 % bootstrap interval drawing whole teams."),
        )
    )
    if shown:
        s.charts.append(
            Chart(
                "people-linkage",
                _("Employee index and customer results"),
                "hbar",
                (
                    Series(
                        "r",
                        tuple(_label(link["outcome"]) for link in shown),
                        tuple(link["pearson"]["r"] for link in shown),
                        tuple(
                            (link["pearson"]["high"] - link["pearson"]["low"]) / 2 for link in shown
                        ),
                    ),
                ),
                SOURCE,
                x_range=(-1.0, 1.0),
            )
        )
    return s
