"""Why customers leave, against the documents' 1 / 3 / 5 / 9 / 14 / 68 %, and how long they
stay (Kaplan–Meier survival per segment and per satisfaction level).

Data: :func:`cxm.management.churn.churn_report` and :func:`cxm.management.churn.survival`
— what ``cxm churn report --json`` and ``cxm churn survival --json`` print.
"""

from __future__ import annotations

from typing import Any, cast

from cxm.errors import CXMError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.sections.segments import definition_name

__all__ = ["KEY", "data", "present", "title"]

KEY = "churn"
#: Survival curves are drawn from at most this many points per group.
MAX_POINTS = 200


def title() -> str:
    return _("Why customers leave, and how long they stay")


def _thin(curves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in curves:
        groups.setdefault(str(r["group"]), []).append(r)
    out: list[dict[str, Any]] = []
    for rows in groups.values():
        step = max(1, len(rows) // MAX_POINTS)
        out += rows[::step] + ([rows[-1]] if (len(rows) - 1) % step else [])
    return out


def _exit(session: Any, ctx: ReportContext) -> dict[str, Any] | None:
    """What lost customers said in exit surveys (``cxm lost why --json``); none without."""
    from cxm.management.exit_reasons import why_they_left

    try:
        report = why_they_left(session, as_of=ctx.as_of)
    except CXMError:
        return None
    return {
        "summary": report.summary,
        "reasons": report.reasons.to_dict("records"),
        "before": report.before.to_dict("records"),
        "before_difference": report.before_difference,
        "before_difference_ci": report.before_difference_ci,
    }


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.management.churn import churn_report, survival

    try:
        name: str | None = definition_name(ctx)
    except NoData:
        name = None
    out: dict[str, Any] = {"definition": name}
    with ctx.require_store().session() as session:
        report = churn_report(session, name=name, as_of=ctx.as_of)
        out["rates"] = report.rates.to_dict("records")
        out["reasons"] = report.reasons.table.to_dict("records")
        out["chi2_p"] = report.reasons.chi2_p
        out["reasons_n"] = report.reasons.n
        out["exit"] = _exit(session, ctx)
        for by in ("segment", "satisfaction"):
            try:
                found = survival(session, by=by, name=name, as_of=ctx.as_of)
            except CXMError as exc:
                out[f"survival_by_{by}"] = {"unavailable": exc.message}
                continue
            out[f"survival_by_{by}"] = {
                "curves": _thin(cast(list[dict[str, Any]], found.curves.to_dict("records"))),
                "summary": found.summary.to_dict("records"),
                "logrank_p": found.logrank_p,
            }
    return out


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    from cxm.customers.codes import churn_reason_label

    def label(code: str) -> str:
        try:
            return churn_reason_label(code)
        except ValueError:
            return _("not recorded") if code == "unrecorded" else code

    seg = f" --segments {d['definition']}" if d.get("definition") else ""
    src = f"cxm churn report{seg} --json"
    s = Section(KEY, title())
    reasons = [r for r in d["reasons"] if fmt.is_num(r.get("benchmark_share"))]
    s.charts.append(
        Chart(
            "churn-reasons",
            _("Why customers left: ours against the documents' benchmark"),
            "hbar",
            (
                Series(
                    _("our customers"),
                    tuple(label(r["reason"]) for r in reasons),
                    tuple(r["share"] for r in reasons),
                    tuple(
                        (r["ci_high"] - r["ci_low"]) / 2 if fmt.is_num(r.get("ci_low")) else None
                        for r in reasons
                    ),
                ),
                Series(
                    _("documents' benchmark"),
                    tuple(label(r["reason"]) for r in reasons),
                    tuple(r["benchmark_share"] for r in reasons),
                ),
            ),
            src,
            percent=True,
        )
    )
    s.tables.append(
        Table(
            _("Churn reasons"),
            (_("reason"), _("customers"), _("share"), _("interval"), _("benchmark")),
            tuple(
                (
                    label(r["reason"]),
                    str(r["customers"]),
                    fmt.pct(r.get("share")),
                    fmt.ci_text(r.get("ci_low"), r.get("ci_high"), percent=True),
                    fmt.pct(r.get("benchmark_share")),
                )
                for r in d["reasons"]
            ),
            src,
            note=_(
                "Goodness of fit to the benchmark: {p}",
                p=fmt.p_text(d.get("chi2_p")) or "—",
            ),
        )
    )
    for by, what in (("segment", _("segment")), ("satisfaction", _("satisfaction answer"))):
        surv = d.get(f"survival_by_{by}") or {}
        if "curves" not in surv:
            continue
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in surv["curves"]:
            groups.setdefault(str(r["group"]), []).append(r)
        s.charts.append(
            Chart(
                f"churn-survival-{by}",
                _("Share of customers still with us, by {what}", what=what),
                "xy",
                tuple(
                    Series(
                        g,
                        tuple(r["time"] for r in rows),
                        tuple(r["survival"] for r in rows),
                        mode="step",
                    )
                    for g, rows in groups.items()
                ),
                f"cxm churn survival{seg} --by {by} --json",
                x_title=_("months since acquisition"),
                y_title=_("still a customer"),
                percent=True,
                y_range=(0.0, 1.0),
            )
        )
    ex = d.get("exit")
    if ex:
        s.tables.append(
            Table(
                _("What lost customers said in the exit survey ({n} answers)",
                  n=ex["summary"]["answers"]),
                (_("reason"), _("customers"), _("share"), _("interval"), _("benchmark")),
                tuple(
                    (label(r["reason"]), str(r["customers"]), fmt.pct(r.get("share")),
                     fmt.ci_text(r.get("ci_low"), r.get("ci_high"), percent=True),
                     fmt.pct(r.get("benchmark_share")))
                    for r in ex["reasons"]
                ),
                "cxm lost why --json",
                note=_(
                    "Measured from exit answers, not copied from the benchmark; the benchmark "
                    "is rescaled over the reasons a survey can ask (the 1 % who died cannot "
                    "answer)."
                ),
            )
        )  # fmt: skip
        diff, ci = ex.get("before_difference"), ex.get("before_difference_ci")
        if fmt.is_num(diff) and ci is not None:
            s.decisions.append(
                Decision(
                    _(
                        "Before they left, lost customers were satisfied {diff} points less "
                        "often than those who stayed ({low} to {high}): their earlier answers "
                        "were a warning.",
                        diff=fmt.num(-100 * diff, 1),
                        low=fmt.num(-100 * ci[1], 1),
                        high=fmt.num(-100 * ci[0], 1),
                    ),
                    "cxm lost why --json",
                )
            )
    staff = next((r for r in d["reasons"] if r["reason"] == "staff_indifference"), None)
    if staff and fmt.is_num(staff.get("share")):
        s.decisions.append(
            Decision(
                _(
                    "{share} of those who left cite staff indifference (documents: 68 %): service "
                    "behaviour, not price, is where churn is won or lost.",
                    share=fmt.pct(staff["share"]),
                ),
                src,
            )
        )
    return s
