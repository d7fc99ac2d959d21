"""Item scores of a survey file: CSAT, the 100-point score and the mean per indicator
(``cxm scores FILE --items … --json``), or the mean alone when the items are not on the
five-point scale."""

from __future__ import annotations

from typing import Any

from cxm.errors import InputError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Section, Table

__all__ = ["KEY", "data", "present", "title"]

KEY = "file_scores"


def title() -> str:
    return _("Item scores")


def data(ctx: ReportContext) -> dict[str, Any]:
    frame = ctx.extra.get("data")
    items = list(ctx.extra.get("items") or [])
    if frame is None or not items:
        raise NoData(_("No survey file was given."))
    from cxm.analytics.scores import mean_score, scores

    try:
        table = scores(frame, items, min_n=ctx.min_n)
        kind = "five_point"
    except InputError:
        table = mean_score(frame, items, min_n=ctx.min_n)
        kind = "mean"
    return {"kind": kind, "items": items, "scores": table.to_dict("records")}


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    s = Section(KEY, title())
    items = ",".join(d["items"])
    if d["kind"] == "five_point":
        s.tables.append(
            Table(
                _("Scores per item"),
                (_("item"), "n", _("CSAT"), _("interval"), _("100-point score"), _("mean")),
                tuple(
                    (
                        r["item"],
                        str(r["n"]),
                        fmt.pct(r.get("csat")),
                        fmt.ci_text(r.get("csat_ci_low"), r.get("csat_ci_high"), percent=True),
                        fmt.num(r.get("score_100")),
                        fmt.num(r.get("mean"), 2),
                    )
                    for r in d["scores"]
                ),
                f"cxm scores FILE --items {items} --json",
            )
        )
    else:
        s.tables.append(
            Table(
                _("Mean per item"),
                (_("item"), "n", _("mean"), _("interval")),
                tuple(
                    (
                        r["item"],
                        str(r["n"]),
                        fmt.num(r.get("mean"), 2),
                        fmt.ci_text(r.get("ci_low"), r.get("ci_high"), digits=2),
                    )
                    for r in d["scores"]
                ),
                "cxm.analytics.scores.mean_score",
            )
        )
    return s
