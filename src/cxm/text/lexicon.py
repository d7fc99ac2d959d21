"""The transparent baseline for the seven service faults and the four emotions: the terms
in an editable YAML lexicon (``cxm/text/data/lexicon.yaml``, or ``CXM_TEXT_LEXICON``),
matched with negation handling.

A text has a fault when at least one of the fault's terms occurs un-negated. Its emotion is
the emotion with the most un-negated terms; a tie between emotions is ``"uncertain"``, none
found is ``""``. The lexicon makes no claim it cannot show: every finding lists the terms
that produced it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "EMOTIONS",
    "FAULTS",
    "Finding",
    "Lexicon",
    "default_lexicon",
    "load_lexicon",
]

#: The documents' seven service faults and four emotional states, in their order.
FAULTS: tuple[str, ...] = (
    "indifference",
    "passing_the_buck",
    "coldness",
    "condescension",
    "robotic_service",
    "rule_hiding",
    "runaround",
)
EMOTIONS: tuple[str, ...] = ("happy", "disappointed", "angry", "afraid")

UNCERTAIN = "uncertain"

_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;：:、\s]")


@dataclass(frozen=True, slots=True)
class Finding:
    faults: tuple[str, ...]
    emotion: str
    #: class → the terms that matched.
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    version: int
    terms: dict[str, dict[str, tuple[str, ...]]]  # class → language → terms
    labels: dict[str, dict[str, str]]
    negations: dict[str, tuple[str, ...]]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.terms)

    def _pattern(self) -> tuple[re.Pattern[str], dict[str, list[str]]]:
        cached: Any = self.__dict__.get("_compiled")
        if cached is None:
            owners: dict[str, list[str]] = {}
            for cls, by_lang in self.terms.items():
                for words in by_lang.values():
                    for w in words:
                        owners.setdefault(w.lower(), []).append(cls)
            parts = []
            for term in sorted(owners, key=len, reverse=True):
                escaped = re.escape(term)
                parts.append(rf"\b{escaped}\b" if term.isascii() else escaped)
            cached = (re.compile("|".join(parts)), owners)
            object.__setattr__(self, "_compiled", cached)
        return cached  # type: ignore[no-any-return]

    def _negated(self, text: str, start: int, term: str) -> bool:
        if term.isascii():
            before = text[:start].split()[-2:]
            return any(w in self.negations.get("en", ()) or w.endswith("n't") for w in before)
        # A negation counts only within the same clause: "不理，气死" is still angry.
        window = _CLAUSE_BREAK.split(text[max(0, start - 3) : start])[-1]
        return any(n in window for n in self.negations.get("zh", ()))

    def find(self, text: str) -> Finding:
        pattern, owners = self._pattern()
        low = text.lower()
        hits: dict[str, list[str]] = {}
        for match in pattern.finditer(low):
            term = match.group(0)
            if self._negated(low, match.start(), term):
                continue
            for cls in owners[term]:
                hits.setdefault(cls, []).append(term)
        faults = tuple(c for c in FAULTS if c in hits)
        counts = Counter({c: len(hits[c]) for c in EMOTIONS if c in hits})
        emotion = ""
        if counts:
            (top, n), *rest = counts.most_common()
            emotion = UNCERTAIN if rest and rest[0][1] == n else top
        return Finding(faults, emotion, {c: tuple(v) for c, v in hits.items()})


def _terms(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(_("Lexicon {where}: expected a list of words.", where=where))
    return tuple(v.strip() for v in value)


def parse_lexicon(data: object, *, source: str) -> Lexicon:
    """Check a loaded lexicon document; every class of :data:`FAULTS` and :data:`EMOTIONS`
    must be present (with at least one term), unknown classes are refused."""
    if not isinstance(data, dict) or not isinstance(data.get("classes"), dict):
        raise InputError(_("Lexicon {source}: expected “version” and “classes”.", source=source))
    classes: dict[str, Any] = data["classes"]
    unknown = sorted(set(classes) - set(FAULTS) - set(EMOTIONS))
    missing = [c for c in (*FAULTS, *EMOTIONS) if c not in classes]
    if unknown or missing:
        raise InputError(
            _(
                "Lexicon {source}: unknown classes {unknown}; missing classes {missing}.",
                source=source,
                unknown=", ".join(unknown) or "-",
                missing=", ".join(missing) or "-",
            )
        )
    terms: dict[str, dict[str, tuple[str, ...]]] = {}
    labels: dict[str, dict[str, str]] = {}
    for cls in (*FAULTS, *EMOTIONS):
        body = classes[cls] or {}
        terms[cls] = {
            lang: _terms(body.get(lang), f"{source}: {cls}.{lang}") for lang in ("zh", "en")
        }
        if not any(terms[cls].values()):
            raise InputError(
                _("Lexicon {where}: expected a list of words.", where=f"{source}: {cls}")
            )
        labels[cls] = {str(k): str(v) for k, v in (body.get("label") or {}).items()}
    neg = data.get("negations") or {}
    return Lexicon(
        version=int(data.get("version", 1)),
        terms=terms,
        labels=labels,
        negations={
            lang: _terms(neg.get(lang), f"{source}: negations.{lang}") for lang in ("zh", "en")
        },
    )


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon at ``path`` or the shipped one."""
    if path is None:
        text = resources.files("cxm.text").joinpath("data", "lexicon.yaml").read_text("utf-8")
        source = "lexicon.yaml"
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(
                _("Cannot read the lexicon {path}: {reason}", path=str(path), reason=str(exc))
            ) from None
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(_("Lexicon {source}: {reason}", source=source, reason=str(exc))) from None
    return parse_lexicon(data, source=source)


@cache
def default_lexicon() -> Lexicon:
    from cxm.text.settings import TextSettings

    return load_lexicon(TextSettings().lexicon)
