"""The translation layer: every user-facing string goes through :func:`_`.

Message ids are the English text. Translations live in ``cxm/locales/<lang>/*.json``
(one file per domain, so that teams can work side by side); each file maps an English
message id to its translation. A missing translation falls back to English.

Traditional Chinese (zh-TW) is produced from the zh-CN catalogue with OpenCC
(``s2twp``: Taiwan characters and phrases, e.g. 导入 → 匯入, 软件 → 軟體), message by message
on first use; an entry in ``locales/zh-TW/*.json`` overrides the conversion. English
plurals: :func:`ngettext` picks "1 row" or "2 rows"; Chinese has one form.

The language in force is a context variable: the CLI sets it from ``--lang`` /
``CXM_LANG`` / ``LANG``; the web app sets it per request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "_",
    "catalog",
    "current_language",
    "gettext",
    "language",
    "language_from_environment",
    "ngettext",
    "normalise_language",
    "set_language",
]

LANGUAGES: tuple[str, ...] = ("en", "zh-CN", "zh-TW")
DEFAULT_LANGUAGE = "en"

_current: ContextVar[str] = ContextVar("cxm_language", default=DEFAULT_LANGUAGE)


def normalise_language(value: str | None) -> str:
    """Map ``zh_CN.UTF-8``, ``zh-cn``, ``zh``, ``zh-Hans`` … to one of :data:`LANGUAGES`."""
    if not value:
        return DEFAULT_LANGUAGE
    v = value.split(".")[0].replace("_", "-").strip().lower()
    if v in ("zh-tw", "zh-hk", "zh-hant", "zh-mo"):
        return "zh-TW"
    if v.startswith("zh"):
        return "zh-CN"
    return "en"


def language_from_environment() -> str:
    for var in ("CXM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        val = os.environ.get(var)
        if val and val not in ("C", "POSIX", "C.UTF-8"):
            return normalise_language(val)
    return DEFAULT_LANGUAGE


@cache
def catalog(lang: str) -> dict[str, str]:
    """All translations for ``lang``, merged from every domain file."""
    merged: dict[str, str] = {}
    if lang == "en":
        return merged
    folder = resources.files("cxm").joinpath("locales", lang)
    if not folder.is_dir():
        return merged
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


def current_language() -> str:
    return _current.get()


def set_language(lang: str | None) -> str:
    norm = normalise_language(lang)
    _current.set(norm)
    return norm


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Use ``lang`` inside the block (for one request, one report)."""
    token = _current.set(normalise_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def _opencc() -> Any:
    from opencc import OpenCC

    return OpenCC("s2twp")


@cache
def traditional(text: str) -> str:
    """``text`` (Simplified Chinese) in Traditional Chinese as written in Taiwan."""
    return str(_opencc().convert(text))


def gettext(message: str, /, *, lang: str | None = None, **params: Any) -> str:
    """Translate ``message`` into the current language and fill ``{placeholders}``."""
    use = normalise_language(lang) if lang else _current.get()
    text = catalog(use).get(message)
    if text is None and use == "zh-TW":
        simplified = catalog("zh-CN").get(message)
        text = None if simplified is None else traditional(simplified)
    if text is None:
        text = message
    return text.format(**params) if params else text


def ngettext(
    singular: str, plural: str, n: int, /, *, lang: str | None = None, **params: Any
) -> str:
    """``singular`` when ``n`` is 1, else ``plural`` (English); ``n`` fills ``{n}``.

    Both forms are message ids; a catalogue gives each its translation (Chinese ones
    are the same text)."""
    return gettext(singular if n == 1 else plural, lang=lang, n=n, **params)


_ = gettext
