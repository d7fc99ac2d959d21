"""The loyalty gap (DOMAIN.md §3): how many satisfied customers are not loyal, how weakly
satisfaction and loyalty go together, and how the satisfied-but-not-loyal differ.

Data: :mod:`cxm.analytics.loyalty` — ``loyalty_index`` over the repurchase, resist,
recommend, forgive and brand-identification items, then ``satisfaction_loyalty_correlation``,
``loyalty_by_satisfaction`` and ``satisfied_not_loyal`` on the wave's responses.
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Figure, Section, Series, Table
from cxm.reports.survey_data import enough_responses, survey_items, wave_frame, waves

__all__ = ["FACETS", "KEY", "LOYAL_AT", "data", "present", "title"]

KEY = "loyalty"
#: Loyalty facets of the shipped questionnaire's items.
FACETS: dict[str, str] = {
    "CUSL1": "repurchase",
    "CUSL2": "resist_competitor",
    "CUSL3": "recommend",
    "LOY_FORGIVE": "forgive",
    "LOY_BRAND": "brand_identification",
}
#: A customer counts as loyal from this loyalty index on (agreeing, on average).
LOYAL_AT = 75.0


def title() -> str:
    return _("The loyalty gap: satisfied but not loyal")


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.analytics.loyalty import loyalty_by_satisfaction as by_level
    from cxm.analytics.loyalty import loyalty_index
    from cxm.analytics.loyalty import satisfaction_loyalty_correlation as correlation
    from cxm.analytics.loyalty import satisfied_not_loyal as gap

    cur, _prev = waves(ctx)
    items = survey_items(ctx, cur.id)
    frame = enough_responses(ctx, wave_frame(ctx, cur.id), cur.name)
    facets = {facet: code for code, facet in FACETS.items() if code in frame.columns}
    if items.overall is None or len(facets) < 2:
        raise NoData(_("The questionnaire has too few loyalty questions."))
    scales = dict.fromkeys(facets, (1.0, 5.0))
    frame = frame.assign(loyalty_index=loyalty_index(frame, facets, scales=scales))
    levels = by_level(frame, items.overall, "loyalty_index", loyal_at=LOYAL_AT)
    profile_cols = [
        c for d in ("product", "process", "people") for c in items.dimensions.get(d, [])
    ]
    result = gap(frame, items.overall, "loyalty_index", loyal_at=LOYAL_AT, profile=profile_cols)
    return {
        "wave": cur.name,
        "satisfaction": items.overall,
        "facets": facets,
        "loyal_at": LOYAL_AT,
        "labels": {c: items.labels.get(c, c) for c in profile_cols},
        "correlation": correlation(frame, items.overall, "loyalty_index").to_dict("records"),
        "by_level": levels.table.to_dict("records"),
        "satisfied_share": levels.satisfied_share,
        "loyal_rate": levels.loyal_rate,
        "satisfied_not_loyal": {
            "n": result.n,
            "share": result.share,
            "cells": result.cells.to_dict("records"),
            "profile": result.profile.to_dict("records"),
        },
        "behaviour": _behaviour(ctx, items.overall),
    }


def _behaviour(ctx: ReportContext, item: str) -> dict[str, Any]:
    """Repurchase after the answer by satisfaction level, top box against satisfied — what
    ``cxm loyalty curve --json`` prints; the reason when the data do not allow it."""
    from cxm.errors import CXMError
    from cxm.management.loyalty_behaviour import loyalty_curve

    try:
        with ctx.require_store().session() as session:
            curve, contrast = loyalty_curve(session, item=item, as_of=ctx.as_of, min_n=ctx.min_n)
    except CXMError as exc:
        return {"unavailable": exc.message}
    return {"curve": curve.to_dict("records"), "contrast": contrast}


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    src = (
        "cxm.analytics.loyalty (satisfaction "
        + d["satisfaction"]
        + ", loyalty index ≥ "
        + fmt.num(d["loyal_at"], 0)
        + ")"
    )
    s = Section(
        KEY,
        title(),
        intro=_(
            "Loyal: loyalty index (repurchase, resist competitors, recommend, forgive, identify "
            "with the brand) of at least {at} out of 100.",
            at=fmt.num(d["loyal_at"], 0),
        ),
    )
    pearson: dict[str, Any] = next((r for r in d["correlation"] if r["method"] == "pearson"), {})
    snl = d["satisfied_not_loyal"]
    s.figures += [
        Figure(_("Satisfied (4–5)"), d["satisfied_share"], fmt.pct(d["satisfied_share"]), src),
        Figure(_("Loyal"), d["loyal_rate"], fmt.pct(d["loyal_rate"]), src),
        Figure(
            _("Satisfied but not loyal (of the satisfied)"),
            snl["share"],
            fmt.pct(snl["share"]),
            src,
        ),
        Figure(
            _("Correlation of satisfaction with loyalty"),
            pearson.get("r"),
            fmt.num(pearson.get("r"), 2),
            src,
            fmt.ci_text(pearson.get("ci_low"), pearson.get("ci_high"), digits=2),
        ),
    ]
    levels = [r for r in d["by_level"] if r.get("n")]
    s.charts.append(
        Chart(
            "loyalty-by-level",
            _("Loyalty rate by satisfaction answer"),
            "bar",
            (
                Series(
                    _("loyal"),
                    tuple(str(int(r["level"])) for r in levels),
                    tuple(r["loyal_rate"] for r in levels),
                    tuple(
                        ((r["ci_high"] - r["ci_low"]) / 2) if fmt.is_num(r.get("ci_low")) else None
                        for r in levels
                    ),
                ),
            ),
            src,
            x_title=_("satisfaction answer (1–5)"),
            percent=True,
            y_range=(0.0, 1.0),
        )
    )
    prof = [r for r in snl["profile"] if r.get("level") is None]
    if prof:
        s.tables.append(
            Table(
                _("How the satisfied-but-not-loyal differ from the satisfied and loyal"),
                (_("item"), _("not loyal"), _("loyal"), _("difference"), "p"),
                tuple(
                    (
                        d["labels"].get(r["column"], r["column"]),
                        fmt.num(r.get("not_loyal"), 2),
                        fmt.num(r.get("loyal"), 2),
                        fmt.signed(r.get("difference"), 2),
                        fmt.p_text(r.get("p_value")),
                    )
                    for r in prof
                ),
                src,
            )
        )
    if fmt.is_num(snl["share"]):
        s.decisions.append(
            Decision(
                _(
                    "{share} of satisfied customers are not loyal: satisfaction alone will not "
                    "keep them. Watch loyalty and churn, not only CSAT.",
                    share=fmt.pct(snl["share"]),
                )
            )
        )
    _present_behaviour(s, d.get("behaviour") or {})
    return s


def _present_behaviour(s: Section, b: dict[str, Any]) -> None:
    src = "cxm loyalty curve --json"
    if "curve" not in b:
        return
    s.tables.append(
        Table(
            _("What customers did after answering: repurchase within 180 days"),
            (_("satisfaction"), _("customers"), _("came back"), "95 % CI", _("mean spend")),
            tuple(
                (
                    fmt.num(r["level"], 0),
                    str(r["customers"]),
                    fmt.pct(r["repurchase_rate"]),
                    f"{fmt.pct(r['ci_low'])}–{fmt.pct(r['ci_high'])}",
                    fmt.money(r["mean_spend"]),
                )
                for r in b["curve"]
            ),
            src,
        )
    )
    c = b["contrast"]
    if c.get("status") == "no data":
        return
    s.decisions.append(
        Decision(
            _(
                "Very satisfied customers came back {top}, satisfied ones {sat} (difference "
                "{d}, 95 % CI {lo} to {hi}): only the very satisfied are reliably loyal, so aim "
                "at the top box, not at 'satisfied'.",
                top=fmt.pct(c.get("rate_top")),
                sat=fmt.pct(c.get("rate_satisfied")),
                d=fmt.pct(c.get("difference")),
                lo=fmt.pct(c.get("ci_low")),
                hi=fmt.pct(c.get("ci_high")),
            ),
            src,
        )
    )
