"""Each segment against its target (DOMAIN.md §1: the customer *group* is god).

Data: :func:`cxm.management.targets.report` (actual against target per segment, KPI and
wave, with interval, status and trend) and :func:`cxm.management.segments.summary`
(customers and profit per segment) — what ``cxm targets report NAME --json`` and
``cxm segments show NAME --json`` print.
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.labels import column_label, kpi_label
from cxm.reports.model import Chart, Decision, Section, Series, Table

__all__ = ["KEY", "data", "definition_name", "present", "status_label", "title"]

KEY = "segments"
PERCENT_KPIS = {"csat", "churn_rate"}


def title() -> str:
    return _("Each segment against its target")


def status_label(status: str) -> str:
    return {
        "met": _("met"),
        "within uncertainty": _("within uncertainty"),
        "missed": _("missed"),
        "too few answers": _("too few answers"),
        "no data": _("no data"),
        "no target": _("no target"),
    }.get(status, status)


def definition_name(ctx: ReportContext) -> str:
    """The segment definition the report is about: the first one with targets."""
    from cxm.management.definitions import list_definitions
    from cxm.management.targets import targets_frame

    def compute() -> str:
        with ctx.require_store().session() as session:
            names = [d.name for d in list_definitions(session)]
            if not names:
                raise NoData(
                    _(
                        "No segments defined yet. Define value tiers with: cxm segments "
                        "define value --kind pareto --cuts 0.2 --labels key,other; then cxm "
                        "segments recompute value and set targets with cxm targets set."
                    )
                )
            with_targets = [n for n in names if not targets_frame(session, n).empty]
        return str(with_targets[0] if with_targets else names[0])

    return ctx.memo("segment_definition", compute)


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.management.segments import summary
    from cxm.management.targets import report

    name = definition_name(ctx)
    with ctx.require_store().session() as session:
        actual = report(session, name, min_n=ctx.min_n, as_of=ctx.as_of)
        sizes = summary(session, name, as_of=ctx.as_of)
    if actual.empty:
        raise NoData(_("No targets or actuals for segments yet."))
    return {
        "definition": name,
        "targets": actual.to_dict("records"),
        "segments": sizes.to_dict("records"),
    }


def _value(kpi: str, v: Any) -> str:
    return fmt.pct(v) if kpi in PERCENT_KPIS else fmt.num(v)


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    name = d["definition"]
    src = f"cxm targets report {name} --json"
    s = Section(KEY, title(), intro=_("Segments of “{name}”.", name=name))
    rows = d["targets"]
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:  # rows are ordered by wave within segment and KPI: keep the latest
        last[(r["kpi"], str(r["segment"]))] = r
    table_rows = []
    for (kpi, seg), r in last.items():
        table_rows.append(
            (
                seg,
                kpi_label(kpi),
                str(r.get("wave") or ""),
                _value(kpi, r.get("value")),
                fmt.ci_text(r.get("ci_low"), r.get("ci_high"), percent=kpi in PERCENT_KPIS),
                _value(kpi, r.get("target")),
                status_label(str(r.get("status"))),
                str(r.get("n") or ""),
            )
        )
    s.tables.append(
        Table(
            _("Actual against target (latest wave)"),
            (
                _("segment"),
                _("KPI"),
                _("wave"),
                _("actual"),
                _("interval"),
                _("target"),
                _("status"),
                _("n"),
            ),
            tuple(table_rows),
            src,
            note=_("A gap inside the confidence interval is not called a miss."),
        )
    )
    for kpi in sorted({k for k, _s in last}):
        members = [r for (k, _s), r in last.items() if k == kpi and fmt.is_num(r.get("value"))]
        if not members:
            continue
        percent = kpi in PERCENT_KPIS
        s.charts.append(
            Chart(
                f"segments-{kpi}",
                _("{kpi}: actual (with interval) and target per segment", kpi=kpi_label(kpi)),
                "bar",
                (
                    Series(
                        _("actual"),
                        tuple(str(r["segment"]) for r in members),
                        tuple(r["value"] for r in members),
                        tuple(
                            (r["ci_high"] - r["ci_low"]) / 2
                            if fmt.is_num(r.get("ci_low"))
                            else None
                            for r in members
                        ),
                    ),
                    Series(
                        _("target"),
                        tuple(str(r["segment"]) for r in members),
                        tuple(r.get("target") for r in members),
                        mode="marker",  # one target per segment: nothing to join by a line
                    ),
                ),
                src,
                percent=percent,
            )
        )
    if d.get("segments"):
        cols = [
            c
            for c in ("segment", "customers", "share_customers", "profit", "share_profit")
            if c in d["segments"][0]
        ]
        s.tables.append(
            Table(
                _("Segment sizes and profit"),
                tuple(column_label(c) for c in cols),
                tuple(
                    tuple(
                        fmt.pct(r.get(c))
                        if c.startswith("share")
                        else fmt.money(r.get(c))
                        if c == "profit"
                        else str(r.get(c))
                        for c in cols
                    )
                    for r in d["segments"]
                ),
                f"cxm segments show {name} --json",
            )
        )
    missed = [r for r in last.values() if r.get("status") == "missed"]
    for r in missed[:4]:
        s.decisions.append(
            Decision(
                _(
                    "{segment} misses its {kpi} target ({actual} against {target}, beyond the "
                    "interval): act on this segment's service level.",
                    segment=r["segment"],
                    kpi=kpi_label(r["kpi"]),
                    actual=_value(r["kpi"], r.get("value")),
                    target=_value(r["kpi"], r.get("target")),
                ),
                src,
            )
        )
    if not missed and last:
        s.decisions.append(Decision(_("No segment misses a target beyond its interval."), src))
    return s
