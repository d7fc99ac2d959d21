"""Finding themes the codebook does not have yet, and routing requests to their owners.

Discovery: non-negative matrix factorisation (Lee & Seung, 1999; scikit-learn's NMF with
NNDSVD initialisation, deterministic) of the TF-IDF matrix of segmented words. Each
component is a proposed theme: its top terms, its share of texts (texts whose largest
weight is that component), representative texts (largest weights, near-duplicates removed)
and a codebook entry to paste in after review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _
from cxm.text.codebook import Codebook
from cxm.text.quotes import distinct_quotes
from cxm.text.segment import Segmenter, default_segmenter

__all__ = ["ProposedTheme", "discover_themes", "route_requests"]


@dataclass(frozen=True, slots=True)
class ProposedTheme:
    number: int
    top_terms: tuple[str, ...]
    texts: int
    share: float
    examples: tuple[str, ...]

    def codebook_entry(self) -> str:
        words = ", ".join(self.top_terms[:6])
        return (
            f"  - id: proposed_{self.number}\n"
            f"    label: {{zh: {self.top_terms[0]}, en: {self.top_terms[0]}}}\n"
            f"    kind: issue\n"
            f"    keywords:\n      zh: [{words}]\n"
        )


def discover_themes(
    texts: Sequence[str],
    *,
    k: int = 8,
    top: int = 10,
    examples: int = 3,
    segmenter: Segmenter | None = None,
    seed: int = 0,
) -> list[ProposedTheme]:
    """``k`` proposed themes from ``texts`` (already cleaned; masked if they will be shown)."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    seg = segmenter or default_segmenter()
    docs = [t for t in texts if t]
    if len(docs) < 2 * k:
        raise InputError(
            _(
                "Theme discovery needs at least {n} texts for {k} themes (got {got}).",
                n=2 * k,
                k=k,
                got=len(docs),
            )
        )
    vectorizer = TfidfVectorizer(analyzer=seg.tokens, min_df=2, max_df=0.5, sublinear_tf=True)
    try:
        x = vectorizer.fit_transform(docs)
    except ValueError:  # every word is in one text only, or in over half of them
        x = None
    if x is None or x.shape[1] < k:
        raise InputError(_("The texts have too few distinct words to find {k} themes.", k=k))
    nmf = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=400)
    w = nmf.fit_transform(x)
    terms = np.asarray(vectorizer.get_feature_names_out())
    best = w.argmax(axis=1)
    has_any = w.max(axis=1) > 0
    out: list[ProposedTheme] = []
    for j in range(k):
        order = np.argsort(-nmf.components_[j])[:top]
        members = np.flatnonzero((best == j) & has_any)
        ranked = members[np.argsort(-w[members, j])]
        out.append(
            ProposedTheme(
                number=j + 1,
                top_terms=tuple(str(t) for t in terms[order]),
                texts=len(members),
                share=len(members) / len(docs),
                examples=tuple(distinct_quotes([docs[i] for i in ranked[:50]], limit=examples)),
            )
        )
    return sorted(out, key=lambda p: -p.texts)


def route_requests(
    frame: pd.DataFrame,
    codebook: Codebook,
    *,
    themes: str = "themes",
    customer: str = "customer_id",
    value: str | None = "value",
) -> pd.DataFrame:
    """Product requests and market information per theme for their owners, weighted by the
    value of the customers who raised them (a customer counts once per theme).

    Columns: ``theme``, ``kind``, ``owner``, ``texts``, ``customers``, ``value`` (sum over
    distinct customers), ``value_share`` (of all routed value); sorted by value.
    """
    kinds = {"product_request", "market_information"}
    rows = []
    for theme_id, theme in codebook.themes.items():
        if theme.kind not in kinds:
            continue
        hit = frame[frame[themes].map(lambda ts, t=theme_id: t in ts)]
        if hit.empty:
            continue
        people = hit.drop_duplicates(customer) if customer in hit else hit
        total = (
            float(people[value].fillna(0).sum()) if value and value in hit else float(len(people))
        )
        rows.append(
            {
                "theme": theme_id,
                "kind": theme.kind,
                "owner": theme.owner,
                "texts": len(hit),
                "customers": int(hit[customer].nunique()) if customer in hit else len(hit),
                "value": total,
            }
        )
    out = pd.DataFrame(rows, columns=["theme", "kind", "owner", "texts", "customers", "value"])
    grand = out["value"].sum()
    out["value_share"] = out["value"] / grand if grand > 0 else np.nan
    return out.sort_values("value", ascending=False, ignore_index=True)
