"""Word segmentation: jieba for Chinese with the company's own dictionary, plain word
splitting for English, stop words removed.

One :class:`Segmenter` owns one ``jieba.Tokenizer`` (never jieba's global one, which any
other library in the process could change); it loads its dictionary on first use and keeps
its cache in CXM's cache folder rather than the shared system temp folder, whose cache file
jieba would unmarshal. The user dictionary is read by us and fed word by word with
``add_word`` (jieba's ``load_userdict`` changes the tokenizer it was given by name lookups).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from cxm.errors import InputError
from cxm.i18n import _
from cxm.text.settings import TextSettings

__all__ = ["Segmenter", "default_segmenter", "read_user_dictionary", "shipped_stop_words"]

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _read_words(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def shipped_stop_words() -> frozenset[str]:
    """The zh and en stop words that ship with CXM."""
    folder = resources.files("cxm.text").joinpath("data")
    words: set[str] = set()
    for name in ("stopwords_zh.txt", "stopwords_en.txt"):
        words.update(_read_words(folder.joinpath(name).read_text(encoding="utf-8")))
    return frozenset(words)


def read_user_dictionary(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Entries ``word [frequency] [tag]`` of a user dictionary (jieba's format), checked."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("Cannot read the user dictionary {path}: {reason}", path=str(path), reason=str(exc))
        ) from None
    entries: list[tuple[str, int | None, str | None]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq: int | None = None
        tag: str | None = None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
        if rest:
            tag = rest.pop(0)
        if rest:
            raise InputError(
                _(
                    "User dictionary {path}, line {line}: expected “word [frequency] [tag]”, "
                    "got “{value}”.",
                    path=str(path),
                    line=number,
                    value=line.strip(),
                )
            )
        entries.append((parts[0], freq, tag))
    return entries


class Segmenter:
    """Splits texts into words. ``user_words`` are added to jieba's dictionary (a product or
    brand name is then one word), ``stop_words`` to the shipped stop lists."""

    def __init__(
        self,
        *,
        user_words: Iterable[str | tuple[str, int | None, str | None]] = (),
        stop_words: Iterable[str] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self._user: list[tuple[str, int | None, str | None]] = [
            (w, None, None) if isinstance(w, str) else w for w in user_words
        ]
        self.stop_words = shipped_stop_words() | frozenset(stop_words)
        self._cache_dir = cache_dir
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: TextSettings | None = None) -> Segmenter:
        s = settings or TextSettings()
        user = read_user_dictionary(s.user_dictionary) if s.user_dictionary else []
        stops = _read_words(s.stop_words.read_text(encoding="utf-8-sig")) if s.stop_words else []
        return cls(user_words=user, stop_words=stops, cache_dir=s.cache_dir)

    def _jieba(self) -> Any:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba

                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    cache_dir = self._cache_dir or TextSettings().cache_dir
                    try:
                        cache_dir.mkdir(parents=True, exist_ok=True)
                        tokenizer.tmp_dir = str(cache_dir)
                    except OSError:
                        # Unwritable cache folder: jieba builds its prefix dictionary each
                        # time, still without the shared temp folder.
                        tokenizer.tmp_dir = None
                        tokenizer.cache_file = None
                    tokenizer.initialize()
                    for word, freq, tag in self._user:
                        tokenizer.add_word(word, freq, tag)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def words(self, text: str) -> list[str]:
        """All words of a text, in order (Chinese by jieba, English lowercased)."""
        out: list[str] = []
        jieba = None
        for match in _TOKEN.finditer(text):
            piece = match.group(0)
            if _CJK.match(piece):
                jieba = jieba or self._jieba()
                out.extend(jieba.lcut(piece, HMM=False))
            else:
                out.append(piece.lower())
        return out

    def tokens(self, text: str) -> list[str]:
        """Content words: :meth:`words` without stop words and single Latin letters."""
        stops = self.stop_words
        return [w for w in self.words(text) if w not in stops and not (len(w) == 1 and w.isascii())]


@cache
def default_segmenter() -> Segmenter:
    """The segmenter configured by ``CXM_TEXT_*`` settings, built once per process."""
    return Segmenter.from_settings()
