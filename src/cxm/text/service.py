"""The services of text analysis, one per workflow, called by the API, the CLI and the
report alike: analyse posted texts; analyse every text in the store into "what customers
say"."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.store import Store
from cxm.store.kept import Kept, KeptResults
from cxm.text.analysis import Analyzer
from cxm.text.classifier import LabelModel, train_label_model
from cxm.text.lexicon import EMOTIONS, FAULTS
from cxm.text.pii import PiiMasker
from cxm.text.sources import arrival_counts, collect_texts, customer_names
from cxm.text.summary import overview, text_report

__all__ = [
    "ANALYSES",
    "MIN_CODED",
    "analyse_posted",
    "kept_analysis",
    "what_customers_say",
    "what_customers_say_kept",
]

#: Coded texts needed before the staff-label model replaces the lexicon.
MIN_CODED = 100
#: At most this many coded texts (a seeded sample) train the model a report uses, so that
#: a report stays quick; ``cxm text train`` uses them all.
MAX_CODED = 1500

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
    staff_model = _apply_staff_model(analysed, frame)
    data = analysed.join(
        frame[
            ["source", "customer_id", "wave", "stage", "segment", "churned", "detractor", "value"]
        ].reset_index(drop=True)
    )
    has = {
        c: bool(data[c].notna().any()) for c in ("segment", "wave", "stage", "detractor", "churned")
    }
    report = text_report(
        data,
        analyzer.codebook,
        segment="segment" if has["segment"] else None,
        wave="wave" if has["wave"] else None,
        stage="stage" if has["stage"] else None,
        detractor="detractor" if has["detractor"] else None,
        churned="churned" if has["churned"] else None,
        customer="customer_id",
        value="value",
        lang=lang,
    )
    summary = overview(analysed, sentiment_metrics=analyzer.sentiment.metrics)
    summary["faults_and_emotions_by"] = staff_model or {"method": "lexicon"}
    summary["arrived"] = arrival_counts(session)  # case texts read by the worker on arrival
    return {
        "overview": summary,
        "sources": {str(k): int(v) for k, v in frame["source"].value_counts().items()},
        **report,
    }


def _watched() -> Sequence[Any]:
    """What :func:`what_customers_say` reads, as indexed latest changes (see
    :mod:`cxm.store.changes`): answers (survey comments), text entries (imports, case texts,
    staff coding), cases, customers (names masked, segments, churn), segment memberships."""
    from sqlalchemy import column, table

    from cxm.customers.models import Customer
    from cxm.segments.models import SegmentMembership
    from cxm.surveys.models import Response
    from cxm.text.models import TextEntry

    # The cases sit above the text analysis (they classify their texts with it): their
    # table is named here as a foreign key names it; only its latest change counts.
    cases = table("cases", column("updated_at"))
    return (
        Response.updated_at,
        TextEntry.updated_at,
        cases.c.updated_at,
        Customer.updated_at,
        SegmentMembership.id,
    )


#: The analysis per database and language, kept until what it read changes; analysed again
#: at most every ten minutes while texts keep arriving (a minute of CPU at 20,000 customers).
ANALYSES: KeptResults[dict[str, Any]] = KeptResults(
    "what customers say", _watched, size=8, refresh_after_s=600.0
)


def _key(session: Session, lang: str) -> tuple[str, str]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return (engine.url.render_as_string(hide_password=True), lang)


def what_customers_say_kept(session: Session, *, lang: str = "en") -> dict[str, Any]:
    """:func:`what_customers_say`, analysed again (now, in this session) only when its data
    changed: what the API answers and the CLI prints are never stale."""
    kept = ANALYSES.get_waiting(
        session,
        _key(session, lang),
        lambda: what_customers_say(session, lang=lang),
        stale_ok=False,
    )
    if kept.value is None:
        raise InputError(kept.error or "")
    return kept.value


def kept_analysis(
    store: Store, session: Session, *, lang: str = "en"
) -> Kept[dict[str, Any]] | None:
    """The kept analysis for the text workspace: None while the first one is made beside
    (the page asks to come back), else the last one (``fresh`` False while a newer one is
    made beside, at most every ten minutes). The reason it could not be made is ``error``."""

    def compute() -> dict[str, Any]:
        with store.session() as s:
            try:
                return what_customers_say(s, lang=lang)
            finally:
                s.rollback()  # read only

    return ANALYSES.get(session, _key(session, lang), compute, wait=False)


def _apply_staff_model(analysed: pd.DataFrame, frame: pd.DataFrame) -> dict[str, Any] | None:
    """Where staff have coded enough texts, a model trained on their coding decides faults
    and emotions of the other texts (coded texts keep the staff's labels); classes it
    cannot decide are "uncertain". Returns the model's cross-validated metrics, or None."""
    coded = frame["staff_labels"].map(lambda v: v is not None and v == v)
    if int(coded.sum()) < MIN_CODED:
        return None
    sample = frame[coded]
    if len(sample) > MAX_CODED:
        sample = sample.sample(MAX_CODED, random_state=0)
    labels = [frozenset(v) for v in sample["staff_labels"]]
    with tempfile.TemporaryDirectory(prefix="cxm-labels-") as folder:
        path = Path(folder) / "staff.skops"
        try:
            card = train_label_model(
                sample["text"].tolist(),
                labels,
                out=path,
                data_name="staff coding",
                folds=3,
            )
        except InputError:
            return None
        decided = LabelModel(path).decide(analysed["text"].tolist())
    faults: list[tuple[str, ...]] = []
    emotions: list[str] = []
    for i, is_coded in enumerate(coded.tolist()):
        if is_coded:
            mine = set(frame["staff_labels"].iloc[i])
            faults.append(tuple(f for f in FAULTS if f in mine))
            found = [e for e in EMOTIONS if e in mine]
            emotions.append(found[0] if len(found) == 1 else ("uncertain" if found else ""))
        elif not analysed["text"].iloc[i]:
            faults.append(())
            emotions.append("")
        else:
            row = decided.iloc[i]
            faults.append(tuple(f for f in FAULTS if row.get(f) == "yes"))
            found = [e for e in EMOTIONS if row.get(e) == "yes"]
            doubt = any(row.get(e) == "uncertain" for e in EMOTIONS)
            emotions.append(
                found[0] if len(found) == 1 else ("uncertain" if found or doubt else "")
            )
    analysed["faults"] = faults
    analysed["emotion"] = emotions
    return {
        "method": "staff_model",
        "coded_texts": int(coded.sum()),
        "trained_on": len(sample),
        "classes": card["classes"],
        "metrics": next(iter(card["metrics"].values())),
    }
