"""Representative quotes: the most typical texts of a theme, near-duplicates removed.

Two texts are near-duplicates when the Jaccard similarity of their character 3-gram sets is
at least 0.6 (Broder, 1997): "服务太差了!!" and "服务太差了" count once.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["NEAR_DUPLICATE", "distinct_quotes", "jaccard"]

NEAR_DUPLICATE = 0.6


def _shingles(text: str, n: int = 3) -> frozenset[str]:
    compact = "".join(ch for ch in text.lower() if ch.isalnum())
    if len(compact) <= n:
        return frozenset({compact})
    return frozenset(compact[i : i + n] for i in range(len(compact) - n + 1))


def jaccard(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 1.0


def distinct_quotes(
    ranked: Sequence[str],
    *,
    limit: int = 5,
    threshold: float = NEAR_DUPLICATE,
    max_chars: int = 200,
) -> list[str]:
    """The first ``limit`` texts of ``ranked`` (best first) that are not near-duplicates of
    one already chosen; long texts are cut at ``max_chars`` with an ellipsis."""
    chosen: list[str] = []
    seen: list[frozenset[str]] = []
    for text in ranked:
        if not text:
            continue
        s = _shingles(text)
        if any(len(s & t) / max(len(s | t), 1) >= threshold for t in seen):
            continue
        chosen.append(text if len(text) <= max_chars else text[: max_chars - 1] + "…")
        seen.append(s)
        if len(chosen) == limit:
            break
    return chosen
