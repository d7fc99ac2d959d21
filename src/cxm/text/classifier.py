"""Faults and emotions learned from staff labels (the case form, coding in the workspace).

One logistic regression per class on hashed TF-IDF character 1–3-grams (one-vs-rest, so a
text can show several faults). Per-class precision and recall come from stratified
cross-validation and travel with the model (its card), so every use can show them. A class
whose probability lies between ``1 − threshold`` and ``threshold`` is ``"uncertain"``: the
model says it does not know rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _
from cxm.text.clean import prepare
from cxm.text.lexicon import EMOTIONS, FAULTS
from cxm.text.models_io import ModelCard, load_model, save_model

__all__ = ["DEFAULT_THRESHOLD", "LabelModel", "parse_labels", "train_label_model"]

#: A class is decided when its probability is at least this (present) or at most 1 − this.
DEFAULT_THRESHOLD = 0.7


def parse_labels(values: Iterable[object]) -> list[frozenset[str]]:
    """Labels as written in a file: several classes separated by ``;`` ``,`` ``|`` or
    spaces; empty means none. Unknown class names are refused with their row."""
    known = set(FAULTS) | set(EMOTIONS)
    out: list[frozenset[str]] = []
    for row, value in enumerate(values, start=1):
        text = "" if value is None or value != value else str(value)
        parts = {p.strip() for p in text.replace("|", ";").replace(",", ";").split(";")}
        parts = {p for chunk in parts for p in chunk.split() if p}
        unknown = parts - known
        if unknown:
            raise InputError(
                _(
                    "Row {row}: unknown label(s) {labels}; use {known}.",
                    row=row,
                    labels=", ".join(sorted(unknown)),
                    known=", ".join((*FAULTS, *EMOTIONS)),
                )
            )
        out.append(frozenset(parts))
    return out


def _pipeline(seed: int) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "hash",
                HashingVectorizer(
                    analyzer="char",
                    ngram_range=(1, 3),
                    n_features=2**18,
                    alternate_sign=False,
                    norm=None,
                ),
            ),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            (
                "logit",
                OneVsRestClassifier(
                    # The dual problem: with far more features (2^18) than texts, liblinear
                    # solves it ~25 times faster than the primal, to the same optimum
                    # (probabilities agree within its tolerance, ~5e-5, measured on the
                    # demo's staff coding); the demo's report spent ~15 s here.
                    LogisticRegression(
                        C=4.0,
                        solver="liblinear",
                        dual=True,
                        class_weight="balanced",
                        random_state=seed,
                    )
                ),
            ),
        ]
    )


def _yes(p: object, classes: Sequence[str]) -> np.ndarray:
    """The probability of "yes" per class, one column each (a one-class model answers the
    probabilities of no and yes)."""
    out = np.asarray(p, dtype=float)
    return out[:, 1:2] if len(classes) == 1 else out


def train_label_model(
    texts: Sequence[object],
    labels: Sequence[frozenset[str]],
    *,
    out: Path,
    data_name: str,
    seed: int = 0,
    folds: int = 5,
    min_examples: int = 10,
) -> ModelCard:
    """Train on staff-labelled texts; classes with fewer than ``min_examples`` positive
    texts are left out (and listed in the card). Writes the model and its card."""
    from sklearn.metrics import precision_score, recall_score
    from sklearn.model_selection import KFold, cross_val_predict

    prepared = [prepare(t).text for t in texts]
    keep = [i for i, t in enumerate(prepared) if t]
    x = [prepared[i] for i in keep]
    kept_labels = [labels[i] for i in keep]
    counts = {c: sum(c in lab for lab in kept_labels) for c in (*FAULTS, *EMOTIONS)}
    classes = [c for c, n in counts.items() if min_examples <= n <= len(x) - min_examples]
    if not classes:
        raise InputError(
            _(
                "No class has at least {k} labelled texts (and {k} without it) to learn from.",
                k=min_examples,
            )
        )
    y = np.array([[int(c in lab) for c in classes] for lab in kept_labels], dtype=int)
    cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    # One class is a plain yes/no model: scikit-learn wants a 1-d target for it and answers
    # both columns (no, yes); several are one column each.
    target = y[:, 0] if len(classes) == 1 else y
    p = _yes(cross_val_predict(_pipeline(seed), x, target, cv=cv, method="predict_proba"), classes)
    metrics: dict[str, dict[str, float | int]] = {}
    for j, c in enumerate(classes):
        pred = (p[:, j] >= 0.5).astype(int)
        decided = (p[:, j] >= DEFAULT_THRESHOLD) | (p[:, j] <= 1 - DEFAULT_THRESHOLD)
        metrics[c] = {
            "support": int(y[:, j].sum()),
            "precision": round(float(precision_score(y[:, j], pred, zero_division=0)), 4),
            "recall": round(float(recall_score(y[:, j], pred, zero_division=0)), 4),
            "decided_share": round(float(decided.mean()), 4),
        }
    model = _pipeline(seed).fit(x, target)
    card: ModelCard = {
        "name": out.name.removesuffix(".skops"),
        "task": "labels",
        "classes": classes,
        "left_out": {c: n for c, n in counts.items() if c not in classes},
        "data": {"source": data_name, "texts": len(x)},
        "method": "hashed (2^18) TF-IDF char 1-3-grams + one-vs-rest logistic regression",
        "seed": seed,
        "metrics": {f"cv{folds}": metrics},
    }
    return save_model(model, out, card=card)


class LabelModel:
    """A model from :func:`train_label_model`, read back with its checks."""

    def __init__(self, path: Path, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.5 < threshold < 1:
            raise InputError(
                _("The threshold must lie between 0.5 and 1 (got {value}).", value=threshold)
            )
        self._model, self.card = load_model(path)
        if self.card.get("task") != "labels":
            raise InputError(_("{name} is not a fault and emotion model.", name=str(path)))
        self.classes: list[str] = list(self.card["classes"])
        self.threshold = threshold

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        values: dict[str, dict[str, float]] = next(iter(self.card.get("metrics", {}).values()), {})
        return dict(values)

    def probabilities(self, texts: Sequence[str]) -> pd.DataFrame:
        if not texts:
            return pd.DataFrame(columns=self.classes, dtype=float)
        p = _yes(self._model.predict_proba(list(texts)), self.classes)
        return pd.DataFrame(p, columns=self.classes)

    def decide(self, texts: Sequence[str]) -> pd.DataFrame:
        """Per class: ``"yes"``, ``"no"`` or ``"uncertain"``."""
        p = self.probabilities(texts)
        out = pd.DataFrame(index=p.index)
        for c in self.classes:
            out[c] = np.where(
                p[c] >= self.threshold,
                "yes",
                np.where(p[c] <= 1 - self.threshold, "no", "uncertain"),
            )
        return out
