"""Prepare a text for analysis: decode, drop junk, normalise width, convert traditional
characters to simplified, and cap the length.

A text is refused (returned as ``""`` with a reason) when nothing readable is left: empty,
only whitespace, or mostly control characters, replacement characters and private-use code
points (binary junk, a file read in the wrong encoding). Emoji are kept: they carry feeling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["MAX_CHARS", "Prepared", "decode", "prepare", "to_simplified"]

#: Longer texts are cut here (a transcript of 100,000 characters is analysed by its start).
MAX_CHARS = 5000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Prepared:
    text: str
    #: Why the text was refused or changed: "", "empty", "junk" or "truncated".
    note: str


def decode(raw: bytes) -> str:
    """Bytes of unknown encoding to text: UTF-8 if it decodes, else GB18030 (which
    covers GBK and GB2312), else the best guess of charset-normalizer."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return str(best) if best is not None else raw.decode("utf-8", errors="replace")


@cache
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@cache
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s changes: a text without any is left alone (and fast)."""
    from importlib import resources

    path = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt")
    chars: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _sep, values = line.partition("\t")
        if key and values.split(" ")[0] != key:
            chars.add(key)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Traditional Chinese to simplified (OpenCC t2s); unchanged if none is present."""
    if _traditional_chars().isdisjoint(text):
        return text
    return str(_converter().convert(text))


def _junk_share(text: str) -> float:
    bad = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\ufffd" or (cat in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\r\t"):
            bad += 1
    return bad / len(text)


def prepare(value: object) -> Prepared:
    """One cell of a table (str, bytes, number, None/NaN) to the text the analysis reads."""
    if value is None or (isinstance(value, float) and value != value):
        return Prepared("", "empty")
    text = decode(bytes(value)) if isinstance(value, bytes | bytearray) else str(value)
    if not text.strip():
        return Prepared("", "empty")
    if _junk_share(text[:2000]) > 0.2:
        return Prepared("", "junk")
    note = ""
    if len(text) > MAX_CHARS:
        text, note = text[:MAX_CHARS], "truncated"
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", text)).replace("\ufffd", " ")
    text = _SPACE.sub(" ", to_simplified(text)).strip()
    if not text:
        return Prepared("", "empty")
    return Prepared(text, note)
