"""What customers say: every text in the store (survey open answers, complaint logs,
transcripts, touchpoint notes, visit reports) analysed on this machine — sentiment, the
seven service faults, the four emotions, themes and what they cost, with masked quotes.

Data: ``cxm text report --json`` (without a file: the store) gives the same document.
"""

from __future__ import annotations

from typing import Any

from cxm.i18n import _
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Decision, Figure, Section, Table

__all__ = ["KEY", "data", "present", "title"]

KEY = "what_customers_say"
SOURCE = "cxm text report --json"


def title() -> str:
    return _("What customers say")


def data(ctx: ReportContext) -> dict[str, Any]:
    from cxm.text.service import what_customers_say

    with ctx.require_store().session() as session:
        doc = what_customers_say(session, lang=ctx.lang)
    if not doc["overview"]["analysed"]:
        raise NoData(_("No texts to analyse yet."))
    return doc


def _method(by: dict[str, Any]) -> str:
    if by.get("method") != "staff_model":
        return _("Faults and emotions found by the editable lexicon.")
    parts = ", ".join(
        f"{c} {m['precision']:.2f}/{m['recall']:.2f}" for c, m in by["metrics"].items()
    )
    return _(
        "Faults and emotions decided by a model trained on {n} texts coded by staff "
        "(cross-validated precision/recall: {metrics}); below its threshold it says "
        "“uncertain”.",
        n=by["coded_texts"],
        metrics=parts,
    )


def _ratio(r: dict[str, Any]) -> str:
    if r.get("odds_ratio") is None:
        return "–"
    return f"{r['odds_ratio']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"


def _pct(v: Any) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    o = d["overview"]
    labels = d["theme_labels"]
    metrics = o["sentiment"]["model_metrics"].get("heldout", {})
    negative = o["sentiment"]["labels"].get("negative", 0)
    s = Section(
        KEY,
        title(),
        intro=_(
            "{n} texts from {sources} sources, analysed on this machine. Sentiment model: "
            "accuracy {acc} on held-out reviews. {method}",
            n=o["analysed"],
            sources=len(d["sources"]),
            acc="–" if not metrics else f"{metrics['accuracy']:.3f}",
            method=_method(o.get("faults_and_emotions_by") or {}),
        ),
    )
    s.figures.append(Figure(_("Texts"), float(o["analysed"]), f"{o['analysed']:,}", SOURCE))
    s.figures.append(
        Figure(
            _("Negative"),
            negative / max(o["analysed"], 1),
            _pct(negative / max(o["analysed"], 1)),
            SOURCE,
        )
    )
    freq = sorted(d["frequency"], key=lambda r: -r["texts"])[:12]
    lift = {r["theme"]: r for r in d.get("lift_detractor") or []}
    churn = {r["theme"]: r for r in d.get("lift_churn") or []}
    s.tables.append(
        Table(
            _("Themes: how often, how customers feel, and what they cost"),
            (
                _("theme"),
                _("texts"),
                _("share"),
                _("mean P(positive)"),
                _("odds ratio on detractor (95% CI)"),
                _("odds ratio on churn (95% CI)"),
            ),
            tuple(
                (
                    labels.get(r["theme"], r["theme"]),
                    str(r["texts"]),
                    _pct(r["share"]),
                    "–" if r["sentiment"] is None else f"{r['sentiment']:.2f}",
                    _ratio(lift.get(r["theme"], {})),
                    _ratio(churn.get(r["theme"], {})),
                )
                for r in freq
            ),
            SOURCE,
            note=_("Odds ratios from a logistic regression controlling for segment."),
        )
    )
    if d.get("fault_share"):
        s.tables.append(
            Table(
                _("Service faults among churned and retained customers"),
                (_("fault"), _("churned"), _("retained"), _("the documents")),
                tuple(
                    (
                        r["fault"],
                        _pct(r["churned_share"]),
                        _pct(r["retained_share"]),
                        _pct(r["document_share"]) if r["document_share"] is not None else "",
                    )
                    for r in d["fault_share"]
                ),
                SOURCE,
                note=_(
                    "The documents: two thirds of lost customers leave because of indifference."
                ),
            )
        )
    if d["routing"]:
        s.tables.append(
            Table(
                _("Requests and market information, for their owners"),
                (_("theme"), _("owner"), _("customers"), _("value share")),
                tuple(
                    (
                        labels.get(r["theme"], r["theme"]),
                        r["owner"],
                        str(r["customers"]),
                        _pct(r["value_share"]),
                    )
                    for r in d["routing"]
                ),
                SOURCE,
            )
        )
    worst = [r for r in d.get("lift_churn") or [] if r.get("ci_low") and r["ci_low"] > 1]
    if worst:
        top = max(worst, key=lambda r: r["odds_ratio"])
        s.decisions.append(
            Decision(
                _(
                    "Customers who write about “{theme}” are {ratio:.1f} times as likely (odds) "
                    "to leave, within their segment: fix it first.",
                    theme=labels.get(top["theme"], top["theme"]),
                    ratio=top["odds_ratio"],
                ),
                SOURCE,
            )
        )
    for theme in [r["theme"] for r in freq[:4]]:
        s.quotes.extend(d["quotes"].get(theme, [])[:2])
    return s
