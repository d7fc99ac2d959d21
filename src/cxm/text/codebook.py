"""The theme codebook: a versioned, hierarchical YAML file of themes with keywords and
patterns per language (``cxm/text/data/codebook.yaml``, or ``CXM_TEXT_CODEBOOK``).

Every pattern is compiled when the codebook is read, so a pattern that does not compile is
refused at once with the theme and the pattern named, never halfway through a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["KINDS", "Codebook", "Theme", "default_codebook", "load_codebook", "parse_codebook"]

KINDS: tuple[str, ...] = ("issue", "praise", "product_request", "market_information")


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    parent: str | None
    kind: str
    owner: str
    labels: dict[str, str]
    matcher: re.Pattern[str] | None

    def label(self, lang: str) -> str:
        key = "zh" if lang.startswith("zh") else "en"
        return self.labels.get(key) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class Codebook:
    version: int
    themes: dict[str, Theme]

    def ancestors(self, theme_id: str) -> list[str]:
        out: list[str] = []
        parent = self.themes[theme_id].parent
        while parent is not None:
            out.append(parent)
            parent = self.themes[parent].parent
        return out

    def code(self, text: str) -> list[str]:
        """The themes of a text: every matching theme and its ancestors, in codebook order."""
        low = text.lower()
        found: set[str] = set()
        for theme in self.themes.values():
            if theme.matcher is not None and theme.matcher.search(low):
                found.add(theme.id)
                found.update(self.ancestors(theme.id))
        return [t for t in self.themes if t in found]


def _where(source: str, theme: str) -> str:
    return f"{source}: {theme}"


def _compile(source: str, theme_id: str, body: dict[str, Any]) -> re.Pattern[str] | None:
    parts: list[str] = []
    for key in ("keywords", "patterns"):
        by_lang = body.get(key) or {}
        if not isinstance(by_lang, dict):
            raise InputError(
                _(
                    "Codebook {where}: “{key}” must map zh/en to lists.",
                    where=_where(source, theme_id),
                    key=key,
                )
            )
        for lang, values in by_lang.items():
            if not isinstance(values, list):
                raise InputError(
                    _(
                        "Codebook {where}: “{key}” must map zh/en to lists.",
                        where=_where(source, theme_id),
                        key=key,
                    )
                )
            for value in values:
                text = str(value)
                if key == "keywords":
                    escaped = re.escape(text.lower())
                    parts.append(rf"\b{escaped}\b" if text.isascii() else escaped)
                    continue
                try:
                    re.compile(text)
                except re.error as exc:
                    raise InputError(
                        _(
                            "Codebook {where}: the {language} pattern “{pattern}” does not "
                            "compile: {reason}.",
                            where=_where(source, theme_id),
                            language=lang,
                            pattern=text,
                            reason=str(exc),
                        )
                    ) from None
                parts.append(f"(?:{text})")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def parse_codebook(data: object, *, source: str) -> Codebook:
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise InputError(
            _("Codebook {source}: expected “version” and a list of “themes”.", source=source)
        )
    version = data.get("version")
    if not isinstance(version, int):
        raise InputError(_("Codebook {source}: “version” must be a whole number.", source=source))
    themes: dict[str, Theme] = {}

    def walk(items: list[Any], parent: Theme | None) -> None:
        for body in items:
            if not isinstance(body, dict) or not isinstance(body.get("id"), str):
                raise InputError(_("Codebook {source}: every theme needs an “id”.", source=source))
            theme_id = body["id"]
            if theme_id in themes:
                raise InputError(
                    _(
                        "Codebook {source}: the theme id “{id}” appears twice.",
                        source=source,
                        id=theme_id,
                    )
                )
            kind = str(body.get("kind") or (parent.kind if parent else "issue"))
            if kind not in KINDS:
                raise InputError(
                    _(
                        "Codebook {where}: kind “{kind}” is not one of {kinds}.",
                        where=_where(source, theme_id),
                        kind=kind,
                        kinds=", ".join(KINDS),
                    )
                )
            theme = Theme(
                id=theme_id,
                parent=parent.id if parent else None,
                kind=kind,
                owner=str(body.get("owner") or (parent.owner if parent else "")),
                labels={str(k): str(v) for k, v in (body.get("label") or {}).items()},
                matcher=_compile(source, theme_id, body),
            )
            themes[theme_id] = theme
            walk(body.get("children") or [], theme)

    walk(data["themes"], None)
    return Codebook(version=version, themes=themes)


def load_codebook(path: Path | None = None) -> Codebook:
    if path is None:
        text = resources.files("cxm.text").joinpath("data", "codebook.yaml").read_text("utf-8")
        source = "codebook.yaml"
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(
                _("Cannot read the codebook {path}: {reason}", path=str(path), reason=str(exc))
            ) from None
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(_("Codebook {source}: {reason}", source=source, reason=str(exc))) from None
    return parse_codebook(data, source=source)


@cache
def default_codebook() -> Codebook:
    from cxm.text.settings import TextSettings

    return load_codebook(TextSettings().codebook)
