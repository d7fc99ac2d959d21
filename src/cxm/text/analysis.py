"""Analyse many texts at once: clean, detect the language, mask personal data, score
sentiment, find faults and emotions, code themes. One row per text out.

Columns of the result: ``text`` (masked, for display), ``language``, ``note`` (empty, junk,
truncated), ``sentiment`` (P(positive), NaN when there is no text), ``sentiment_label``,
``faults`` (tuple), ``emotion``, ``themes`` (tuple), ``evidence`` (class → matched terms)
and, with a staff-label model, one column per learned class (yes / no / uncertain).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _
from cxm.text.classifier import LabelModel
from cxm.text.clean import prepare
from cxm.text.codebook import Codebook, default_codebook
from cxm.text.language import LANGUAGES, detect_language
from cxm.text.lexicon import Lexicon, default_lexicon
from cxm.text.pii import PiiMasker
from cxm.text.sentiment import SentimentModel, default_sentiment

__all__ = ["Analyzer", "analyze_texts"]


@dataclass
class Analyzer:
    """The parts of an analysis; defaults are the shipped ones."""

    sentiment: SentimentModel = field(default_factory=default_sentiment)
    lexicon: Lexicon = field(default_factory=default_lexicon)
    codebook: Codebook = field(default_factory=default_codebook)
    masker: PiiMasker = field(default_factory=PiiMasker)
    labels: LabelModel | None = None

    def analyze(self, values: Sequence[object], *, lang: str = "auto") -> pd.DataFrame:
        if lang != "auto" and lang not in LANGUAGES[:3]:
            raise InputError(_("--lang must be auto, zh, en or mixed (got {value}).", value=lang))
        prepared = [prepare(v) for v in values]
        texts = [p.text for p in prepared]
        langs = [
            ("und" if not t else (detect_language(t) if lang == "auto" else lang)) for t in texts
        ]
        present = [i for i, t in enumerate(texts) if t]
        scores = np.full(len(texts), np.nan)
        if present:
            scores[present] = self.sentiment.scores(
                [texts[i] for i in present], [langs[i] for i in present]
            )
        findings = [self.lexicon.find(t) for t in texts]
        out = pd.DataFrame(
            {
                "text": [self.masker.mask(t) for t in texts],
                "language": langs,
                "note": [p.note for p in prepared],
                "sentiment": scores,
                "sentiment_label": self.sentiment.labels(scores),
                "faults": [f.faults for f in findings],
                "emotion": [f.emotion for f in findings],
                "themes": [tuple(self.codebook.code(t)) if t else () for t in texts],
                "evidence": [f.evidence for f in findings],
            }
        )
        if self.labels is not None:
            decided = self.labels.decide([t or " " for t in texts])
            for c in decided.columns:
                out[f"model_{c}"] = np.where([bool(t) for t in texts], decided[c], "")
        return out


def analyze_texts(
    values: Iterable[Any], *, lang: str = "auto", names: Iterable[str] = ()
) -> pd.DataFrame:
    """:meth:`Analyzer.analyze` with the shipped parts and the given customer names masked."""
    return Analyzer(masker=PiiMasker(names)).analyze(list(values), lang=lang)
