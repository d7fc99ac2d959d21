"""What the closed loop achieved: volumes by fault and emotion, SLA attainment per service
tier with intervals, first-contact resolution, recovery cost, follow-up satisfaction, and
churn after a complaint by how it was handled (the recovery paradox tested).

Data: :func:`cxm.cases.report.loop_report` — what ``cxm cases report --json`` prints.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cxm.cases.codes import label
from cxm.errors import InputError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Figure, Section, Series, Table

__all__ = ["KEY", "data", "present", "title"]

KEY = "cases"
SRC = "cxm cases report --json"


def title() -> str:
    return _("Complaints and the closed loop")


def group_label(code: str) -> str:
    return {
        "resolved_well": _("resolved well"),
        "resolved_badly": _("resolved badly"),
        "resolved_no_answer": _("resolved, no follow-up answer"),
        "never_resolved": _("never resolved"),
        "never_complained": _("never complained"),
    }.get(code, code)


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.cases.report import loop_report

    with ctx.require_store().session() as session:
        try:
            rep = loop_report(session)
        except InputError as exc:
            raise NoData(exc.message) from None
    surv = rep.survival
    return {
        "as_of": rep.as_of,
        "summary": asdict(rep.summary),
        "by_fault": rep.by_fault.to_dict("records"),
        "by_emotion": rep.by_emotion.to_dict("records"),
        "sla": rep.sla.to_dict("records"),
        "survival": None
        if surv is None
        else {"summary": surv.summary.to_dict("records"), "logrank_p": surv.logrank_p},
        "faults_and_churn": rep.faults_and_churn.to_dict("records"),
    }


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    sm = d["summary"]
    s = Section(
        KEY,
        title(),
        intro=_(
            "Two thirds of lost customers leave because of indifference. Every complaint has "
            "one owner, a 24-hour answer, recovery (apologise, correct, compensate, do more) "
            "and a call-back survey; here is what that achieved."
        ),
    )
    s.figures += [
        Figure(_("cases"), sm["cases"], str(sm["cases"]), SRC, detail=_("{n} open", n=sm["open"])),
        Figure(
            _("first-contact resolution"),
            sm["first_contact_resolution"],
            fmt.pct(sm["first_contact_resolution"]),
            SRC,
            detail=fmt.ci_text(*sm["fcr_ci"], percent=True),
        ),
        Figure(
            _("follow-up CSAT"),
            sm["followup_csat"],
            fmt.pct(sm["followup_csat"]),
            SRC,
            detail=_("{n} answers", n=sm["followups_answered"]),
        ),
        Figure(
            _("anger turned around"),
            sm["anger_turned"],
            fmt.pct(sm["anger_turned"]),
            SRC,
            detail=_("of {n} angry customers", n=sm["angry_cases_closed"]),
        ),
        Figure(_("recovery cost"), sm["recovery_cost"], fmt.money(sm["recovery_cost"]), SRC),
    ]
    if d["sla"]:
        s.tables.append(
            Table(
                _("Answered and resolved in time, per service tier"),
                (_("tier"), _("clock"), _("cases"), _("in time"), _("interval")),
                tuple(
                    (
                        str(r["tier"]),
                        _("first response") if r["clock"] == "first_response" else _("resolution"),
                        str(r["cases"]),
                        fmt.pct(r["attainment"]),
                        fmt.ci_text(r["ci_low"], r["ci_high"], percent=True),
                    )
                    for r in d["sla"]
                ),
                SRC,
            )
        )
    faults = d["faults_and_churn"]
    if faults:
        s.charts.append(
            Chart(
                "cases-faults",
                _("Service faults in complaints"),
                "hbar",
                (
                    Series(
                        _("cases"),
                        tuple(label(r["fault"]) for r in faults),
                        tuple(float(r["cases"]) for r in faults),
                    ),
                ),
                SRC,
            )
        )
        s.tables.append(
            Table(
                _("Service faults and the customers who left after them"),
                (
                    _("fault"),
                    _("cases"),
                    _("customers"),
                    _("left afterwards"),
                    _("share of those who left"),
                ),
                tuple(
                    (
                        label(r["fault"]),
                        str(r["cases"]),
                        str(r["customers"]),
                        fmt.pct(r["churn_share"]),
                        fmt.pct(r["share_of_churned"]),
                    )
                    for r in faults
                ),
                SRC,
            )
        )
    surv = d.get("survival")
    if surv:
        rows = surv["summary"]
        s.tables.append(
            Table(
                _("Still customers after a complaint, by how it was handled (Kaplan–Meier)"),
                (_("group"), _("customers"), _("left"), _("after 180 days"), _("after 365 days")),
                tuple(
                    (
                        group_label(r["group"]),
                        str(r["customers"]),
                        str(r["churned"]),
                        fmt.pct(r.get("S(180)")),
                        fmt.pct(r.get("S(365)")),
                    )
                    for r in rows
                ),
                SRC,
                note=_("Log-rank test across groups: {p}", p=fmt.p_text(surv["logrank_p"])),
            )
        )
        by = {r["group"]: r for r in rows}
        well, quiet = by.get("resolved_well"), by.get("never_complained")
        if well and quiet and fmt.is_num(well.get("S(365)")) and fmt.is_num(quiet.get("S(365)")):
            better = well["S(365)"] >= quiet["S(365)"]
            s.decisions.append(
                Decision(
                    _(
                        "Customers whose complaint was resolved well stayed {a} after a year, "
                        "those who never complained {b}: {verdict}",
                        a=fmt.pct(well["S(365)"]),
                        b=fmt.pct(quiet["S(365)"]),
                        verdict=_(
                            "good recovery keeps customers at least as well as no problem at all."
                        )
                        if better
                        else _("good recovery does not (yet) make up for the problem."),
                    ),
                    SRC,
                )
            )
    return s
