"""A sample of the customers' own words: the open "what should we improve?" answers.

Data: the free-text columns of the wave's responses (``cxm responses export`` holds the
same text). Shown escaped: respondents' text is never markup.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxm.i18n import _
from cxm.reports.context import NoData, ReportContext
from cxm.reports.model import Section
from cxm.reports.survey_data import survey_items, wave_frame, waves

__all__ = ["KEY", "SAMPLE_SIZE", "data", "present", "title"]

KEY = "comments"
SAMPLE_SIZE = 12


def title() -> str:
    return _("In the customers' words")


def data(ctx: ReportContext) -> dict[str, Any]:
    cur, _prev = waves(ctx)
    items = survey_items(ctx, cur.id)
    frame = wave_frame(ctx, cur.id)
    columns = [c for c in items.comments if c in frame.columns]
    if not columns:
        raise NoData(_("The questionnaire has no open question."))
    texts: list[str] = []
    for c in columns:
        col = frame[c].dropna().astype(str).str.strip()
        texts.extend(t for t in col.tolist() if t)
    if not texts:
        raise NoData(_("No open comments in this wave."))
    rng = np.random.default_rng(0)  # the same sample every time for the same data
    pick = sorted(rng.choice(len(texts), size=min(SAMPLE_SIZE, len(texts)), replace=False))
    return {
        "wave": cur.name,
        "items": columns,
        "labels": {c: items.labels.get(c, c) for c in columns},
        "count": len(texts),
        "sample": [texts[int(i)] for i in pick],
    }


def present(d: dict[str, Any], ctx: ReportContext) -> Section:
    question = " / ".join(d["labels"].values())
    s = Section(
        KEY,
        title(),
        intro=_(
            "{n} customers wrote an answer to “{question}”; a sample of {k}:",
            n=d["count"],
            question=question,
            k=len(d["sample"]),
        ),
    )
    s.quotes = list(d["sample"])
    return s
