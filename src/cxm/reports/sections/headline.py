"""Headline: CSAT, the 100-point score, the satisfaction index and NPS, with the change
against the comparison wave and whether that change is significant.

Data: ``scores`` and ``nps`` of :mod:`cxm.analytics` on the two waves' responses grouped by
wave — what ``cxm scores FILE --items ITEM --by wave --json`` prints for the exported
responses — and the wave change test of the scores module.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd

from cxm.errors import CXMError
from cxm.i18n import _
from cxm.reports import fmt
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Chart, Decision, Figure, Section, Series
from cxm.reports.sections.model import model_document
from cxm.reports.survey_data import survey_items, wave_frame, waves

__all__ = ["KEY", "data", "present", "title", "two_wave_frame"]

KEY = "headline"


def title() -> str:
    return _("Headline")


def two_wave_frame(ctx: ReportContext) -> pd.DataFrame:
    """The current and comparison waves' responses stacked, with a ``wave`` column."""
    cur, prev = waves(ctx)
    parts = [wave_frame(ctx, cur.id).assign(wave=cur.name)]
    if prev is not None:
        with contextlib.suppress(NoData):
            parts.append(wave_frame(ctx, prev.id).assign(wave=prev.name))
    return pd.concat(parts, ignore_index=True)


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.analytics.scores import scores

    cur, prev = waves(ctx)
    items = survey_items(ctx, cur.id)
    if items.overall is None:
        raise NoData(_("The questionnaire has no satisfaction question."))
    frame = two_wave_frame(ctx)
    out: dict[str, Any] = {
        "wave": cur.name,
        "compare": prev.name if prev else None,
        "item": items.overall,
        "recommend": items.recommend,
        "min_n": ctx.min_n,
        "scores": scores(frame, [items.overall], by="wave", min_n=ctx.min_n).to_dict("records"),
        "nps": None,
        "change": None,
        "index": None,
    }
    if items.recommend:
        from cxm.analytics.scores_nps import nps

        out["nps"] = nps(frame, [items.recommend], by="wave", min_n=ctx.min_n).to_dict("records")
    try:
        indices = model_document(ctx).get("indices") or {}
        out["index"] = {k: v for k, v in indices.items() if k.lower() == "satisfaction"} or None
    except (NoData, CXMError):
        out["index"] = None
    if prev is not None:
        from cxm.analytics.scores_change import compare_waves

        out["change"] = compare_waves(
            frame,
            [items.overall],
            wave="wave",
            before=prev.name,
            after=cur.name,
            min_n=ctx.min_n,
        ).to_dict("records")
    return out


def _row(rows: list[dict[str, Any]] | None, wave: str | None) -> dict[str, Any]:
    for r in rows or []:
        if r.get("wave") == wave:
            return r
    return {}


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    src = f"cxm scores RESPONSES.csv --items {d['item']} --by wave --json"
    now, before = _row(d["scores"], d["wave"]), _row(d["scores"], d["compare"])
    s = Section(
        KEY,
        title(),
        intro=_("Wave {wave}", wave=d["wave"])
        + (" · " + _("compared with {wave}", wave=d["compare"]) if d["compare"] else ""),
    )

    def trend(key: str) -> str:
        a, b = now.get(key), before.get(key)
        if not (fmt.is_num(a) and fmt.is_num(b)):
            return ""
        return "up" if float(a) > float(b) else "down" if float(a) < float(b) else ""  # type: ignore[arg-type]

    def detail(low: str, high: str, key: str, *, percent: bool) -> str:
        parts = [fmt.ci_text(now.get(low), now.get(high), percent=percent)]
        if before:
            diff = (
                now.get(key, 0) - before.get(key, 0)
                if fmt.is_num(now.get(key)) and fmt.is_num(before.get(key))
                else None
            )
            parts.append(_("change {change}", change=fmt.signed(diff, percent=percent)))
        parts.append(_("n = {n}", n=now.get("n", 0)))
        return " · ".join(p for p in parts if p)

    if now.get("suppressed"):
        s.figures.append(Figure(_("CSAT (share 4–5)"), None, now.get("reason") or "—", src))
    else:
        s.figures.append(
            Figure(
                _("CSAT (share 4–5)"),
                now.get("csat"),
                fmt.pct(now.get("csat")),
                src,
                detail("csat_ci_low", "csat_ci_high", "csat", percent=True),
                trend("csat"),
            )
        )
        s.figures.append(
            Figure(
                _("100-point score"),
                now.get("score_100"),
                fmt.num(now.get("score_100")),
                src,
                detail("score_100_ci_low", "score_100_ci_high", "score_100", percent=False),
                trend("score_100"),
            )
        )
    for name, value in (d.get("index") or {}).items():
        s.figures.append(
            Figure(
                _("Satisfaction index (0–100)"),
                value,
                fmt.num(value),
                "cxm analyze RESPONSES.csv --model MODEL.lavaan --json → indices." + name,
                _("PLS index, ACSI method"),
            )
        )
    n_now, n_before = _row(d["nps"], d["wave"]), _row(d["nps"], d["compare"])
    if n_now:
        nsrc = (
            f"cxm scores RESPONSES.csv --items {d['item']} --nps {d.get('recommend')} "
            "--by wave --json"
        )
        s.figures.append(
            Figure(
                _("NPS"),
                n_now.get("nps"),
                fmt.num(n_now.get("nps"), 0),
                nsrc,
                " · ".join(
                    p
                    for p in [
                        fmt.ci_text(n_now.get("ci_low"), n_now.get("ci_high"), digits=0),
                        _("before {value}", value=fmt.num(n_before.get("nps"), 0))
                        if n_before
                        else "",
                    ]
                    if p
                ),
                "up"
                if n_before and (n_now.get("nps") or 0) > (n_before.get("nps") or 0)
                else "down"
                if n_before
                else "",
            )
        )
    for ch in d.get("change") or []:
        p = ch.get("p_value")
        if fmt.is_num(p):
            if p < 0.05:
                s.decisions.append(
                    Decision(
                        _(
                            "CSAT changed by {change} since {wave} ({p}): "
                            "a real change, not noise.",
                            change=fmt.signed(ch.get("difference"), percent=True),
                            wave=d["compare"],
                            p=fmt.p_text(p),
                        )
                    )
                )
            else:
                s.decisions.append(
                    Decision(
                        _(
                            "CSAT moved by {change} since {wave} ({p}): within noise; "
                            "do not celebrate or panic.",
                            change=fmt.signed(ch.get("difference"), percent=True),
                            wave=d["compare"],
                            p=fmt.p_text(p),
                        )
                    )
                )
    rows = [r for r in d["scores"] if fmt.is_num(r.get("csat"))]
    if len(rows) > 1:
        s.charts.append(
            Chart(
                "headline-csat",
                _("CSAT by wave"),
                "bar",
                (
                    Series(
                        _("CSAT"),
                        tuple(r["wave"] for r in rows),
                        tuple(r["csat"] for r in rows),
                        tuple((r["csat_ci_high"] - r["csat_ci_low"]) / 2 for r in rows),
                    ),
                ),
                src,
                percent=True,
                y_range=(0.0, 1.0),
            )
        )
    return s
