"""The invisible scorecard (DOMAIN.md §2): product, process and people, item by item.

Data: ``scores`` of :mod:`cxm.analytics.scores` on the wave's scorecard items — what
``cxm scores RESPONSES.csv --items ITEM… --json`` prints.
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Section, Series, Table
from cxm.reports.survey_data import survey_items, wave_frame, waves

__all__ = ["KEY", "data", "dimension_label", "present", "title"]

KEY = "scorecard"


def title() -> str:
    return _("The invisible scorecard: product, process, people")


def dimension_label(dim: str) -> str:
    return {"product": _("product"), "process": _("process"), "people": _("people")}.get(dim, dim)


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.analytics.scores import scores

    cur, _prev = waves(ctx)
    items = survey_items(ctx, cur.id)
    codes = [c for dim in ("product", "process", "people") for c in items.dimensions.get(dim, [])]
    if not codes:
        raise NoData(_("The questionnaire has no items marked product, process or people."))
    table = scores(wave_frame(ctx, cur.id), codes, min_n=ctx.min_n)
    return {
        "wave": cur.name,
        "dimensions": {d: items.dimensions.get(d, []) for d in ("product", "process", "people")},
        "labels": {c: items.labels.get(c, c) for c in codes},
        "scores": table.to_dict("records"),
    }


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    codes = [c for v in d["dimensions"].values() for c in v]
    src = "cxm scores RESPONSES.csv --items " + " ".join(codes) + " --json"
    s = Section(
        KEY,
        title(),
        intro=_(
            "Customers judge three sides: the product, the process (is buying and getting "
            "service simple and fast) and the people they meet."
        ),
    )
    by_item = {r["item"]: r for r in d["scores"]}
    rows, means = [], {}
    for dim, members in d["dimensions"].items():
        vals = [
            by_item[c]["csat"]
            for c in members
            if c in by_item and fmt.is_num(by_item[c].get("csat"))
        ]
        means[dim] = sum(vals) / len(vals) if vals else None
        for c in members:
            r = by_item.get(c, {})
            rows.append(
                (
                    dimension_label(dim),
                    d["labels"].get(c, c),
                    c,
                    fmt.pct(r.get("csat")),
                    fmt.ci_text(r.get("csat_ci_low"), r.get("csat_ci_high"), percent=True),
                    fmt.num(r.get("score_100")),
                    str(r.get("n", "")),
                    r.get("reason") or "",
                )
            )
    s.tables.append(
        Table(
            _("Scorecard items"),
            (
                _("side"),
                _("item"),
                _("code"),
                _("CSAT"),
                _("interval"),
                _("100-point score"),
                _("n"),
                _("note"),
            ),
            tuple(rows),
            src,
        )
    )
    dims = [k for k, v in means.items() if v is not None]
    s.charts.append(
        Chart(
            "scorecard",
            _("CSAT per side (mean of its items)"),
            "bar",
            (
                Series(
                    _("CSAT"),
                    tuple(dimension_label(k) for k in dims),
                    tuple(means[k] for k in dims),
                ),
            ),
            src,
            percent=True,
            y_range=(0.0, 1.0),
        )
    )
    if dims:
        worst = min(dims, key=lambda k: means[k] or 0)
        s.decisions.append(
            Decision(
                _(
                    "The weakest side is {side} (CSAT {value}); see the key drivers before "
                    "deciding whether raising it would raise overall satisfaction.",
                    side=dimension_label(worst),
                    value=fmt.pct(means[worst]),
                )
            )
        )
    return s
