"""Which language a text is written in: ``zh``, ``en``, ``mixed``, or ``und`` (no letters).

Counted, not guessed: the share of CJK ideographs among letters, a Latin word weighing two
ideographs. A text is Chinese when at least 70 % are ideographs (a brand name in a Chinese
sentence does not make it mixed), English when at most 5 % are, mixed in between.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "detect_language"]

LANGUAGES: tuple[str, ...] = ("zh", "en", "mixed", "und")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    # Latin letters count per word (a word ≈ 2 ideographs of meaning), so "iPhone" alone in
    # a Chinese sentence weighs like one Chinese word.
    latin_words = _LATIN_WORD.findall(text)
    latin = 2 * len(latin_words)
    total = cjk + latin
    if total == 0:
        return "und"
    share = cjk / total
    if share >= 0.7:
        return "zh"
    if share <= 0.05:
        return "en"
    return "mixed"
