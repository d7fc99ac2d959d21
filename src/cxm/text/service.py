"""The services of text analysis, one per workflow, called by the API, the CLI and the
report alike: analyse posted texts; analyse every text in the store into "what customers
say"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from cxm.text.analysis import Analyzer
from cxm.text.pii import PiiMasker
from cxm.text.sources import collect_texts, customer_names
from cxm.text.summary import overview, text_report

__all__ = ["analyse_posted", "what_customers_say"]

#: Longest list of texts one API call may analyse.
MAX_POSTED = 5000


def analyse_posted(session: Session, texts: Sequence[str], *, lang: str = "auto") -> dict[str, Any]:
    """Analysis of ``texts`` with the customer file's names masked: overview and rows."""
    analyzer = Analyzer(masker=PiiMasker(customer_names(session)))
    analysed = analyzer.analyze(list(texts), lang=lang)
    rows = analysed.drop(columns=["evidence"]).assign(
        faults=analysed["faults"].map(list), themes=analysed["themes"].map(list)
    )
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    return {
        "overview": overview(analysed, sentiment_metrics=analyzer.sentiment.metrics),
        "rows": records,
    }


def what_customers_say(
    session: Session, *, lang: str = "en", sources: Sequence[str] | None = None
) -> dict[str, Any]:
    """Every text in the store analysed: overview, theme frequency and cost per segment and
    wave, lift on detractors and churn, emerging themes, fault shares, routing, quotes."""
    frame = collect_texts(session, sources=sources)
    analyzer = Analyzer(masker=PiiMasker(customer_names(session)))
    analysed = analyzer.analyze(frame["text"].tolist())
    data = analysed.join(
        frame[
            ["source", "customer_id", "wave", "segment", "churned", "detractor", "value"]
        ].reset_index(drop=True)
    )
    has = {c: bool(data[c].notna().any()) for c in ("segment", "wave", "detractor", "churned")}
    report = text_report(
        data,
        analyzer.codebook,
        segment="segment" if has["segment"] else None,
        wave="wave" if has["wave"] else None,
        detractor="detractor" if has["detractor"] else None,
        churned="churned" if has["churned"] else None,
        customer="customer_id",
        value="value",
        lang=lang,
    )
    return {
        "overview": overview(analysed, sentiment_metrics=analyzer.sentiment.metrics),
        "sources": {str(k): int(v) for k, v in frame["source"].value_counts().items()},
        **report,
    }
