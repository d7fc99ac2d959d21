"""What customers say, in one document: counts, sentiment, faults and emotions with the
accuracy of what found them, themes with their cost, requests routed, and quotes.

Used alike by ``cxm text analyze`` / ``cxm text report``, the JSON API and the report
section, so every number a page shows can be recomputed with ``--json``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from cxm.text.codebook import Codebook
from cxm.text.cost import emerging_themes, fault_share, theme_frequency, theme_lift
from cxm.text.discover import route_requests
from cxm.text.lexicon import EMOTIONS, FAULTS
from cxm.text.quotes import distinct_quotes

__all__ = ["overview", "quotes_by_theme", "text_report"]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.replace({np.nan: None})
    return [{str(k): v for k, v in r.items()} for r in clean.to_dict(orient="records")]


def overview(analysed: pd.DataFrame, *, sentiment_metrics: dict[str, Any]) -> dict[str, Any]:
    """Counts of an analysed frame (see :mod:`cxm.text.analysis`)."""
    present = analysed[analysed["text"] != ""]
    faults = Counter(f for fs in present["faults"] for f in fs)
    emotions = Counter(present["emotion"])
    themes = Counter(t for ts in present["themes"] for t in ts)
    return {
        "texts": len(analysed),
        "analysed": len(present),
        "skipped": dict(Counter(n for n in analysed["note"] if n in ("empty", "junk"))),
        "truncated": int((analysed["note"] == "truncated").sum()),
        "languages": dict(Counter(present["language"])),
        "sentiment": {
            "mean": None if present.empty else float(present["sentiment"].mean()),
            "labels": dict(Counter(present["sentiment_label"])),
            "model_metrics": sentiment_metrics,
        },
        "faults": {f: faults.get(f, 0) for f in FAULTS},
        "emotions": {e: emotions.get(e, 0) for e in (*EMOTIONS, "uncertain")},
        "themes": dict(themes.most_common()),
    }


def quotes_by_theme(analysed: pd.DataFrame, *, limit: int = 3) -> dict[str, list[str]]:
    """Per theme, up to ``limit`` masked quotes: the texts most typical of the theme (fewest
    other themes, closest to the theme's median sentiment), near-duplicates removed."""
    out: dict[str, list[str]] = {}
    exploded = analysed[analysed["text"] != ""].explode("themes").dropna(subset=["themes"])
    for theme, part in exploded.groupby("themes", sort=True):
        n_themes = analysed.loc[part.index, "themes"].map(len).to_numpy()
        typical = (part["sentiment"] - part["sentiment"].median()).abs()
        ranked = part.assign(_n=n_themes, _d=typical).sort_values(["_n", "_d"])
        out[str(theme)] = distinct_quotes(ranked["text"].tolist(), limit=limit)
    return out


def text_report(
    analysed: pd.DataFrame,
    codebook: Codebook,
    *,
    segment: str | None = None,
    wave: str | None = None,
    stage: str | None = None,
    detractor: str | None = None,
    churned: str | None = None,
    customer: str | None = None,
    value: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """The cost of themes. ``analysed`` holds the analysis columns plus the named context
    columns (one row per text)."""
    data = analysed[analysed["text"] != ""]
    by = [c for c in (segment, wave, stage) if c]
    out: dict[str, Any] = {
        "codebook_version": codebook.version,
        "theme_labels": {t: th.label(lang) for t, th in codebook.themes.items()},
        "frequency": _records(theme_frequency(data)),
        "frequency_by": {c: _records(theme_frequency(data, by=[c])) for c in by},
        "quotes": quotes_by_theme(data),
    }
    for name, column in (("detractor", detractor), ("churn", churned)):
        if column:
            out[f"lift_{name}"] = _records(theme_lift(data, outcome=column, segment=segment))
    if wave:
        out["emerging"] = _records(emerging_themes(data, wave=wave))
    if churned:
        out["fault_share"] = _records(fault_share(data.dropna(subset=[churned]), churned=churned))
    routed = data.assign(
        customer_id=data[customer] if customer else range(len(data)),
        value=data[value] if value else 1.0,
    )
    out["routing"] = _records(route_requests(routed, codebook))
    return out
