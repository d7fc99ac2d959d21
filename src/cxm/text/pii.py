"""Mask personal data before a text is shown or exported: e-mail addresses, Chinese
resident ID numbers (checked by their ISO 7064 MOD 11-2 check digit), bank card numbers
(checked by the Luhn algorithm), phone numbers (mainland mobiles, landlines with an area
code, +86) and the names in the customer file.

Checksums keep order numbers and amounts readable: an 18-digit number whose check digit is
wrong is not an ID card, a 16-digit number failing Luhn is not a bank card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "MASKS",
    "PiiMasker",
    "id_card_valid",
    "luhn_valid",
    "mask_pii",
]

#: What replaces each kind of personal data.
MASKS: dict[str, str] = {
    "email": "[EMAIL]",
    "id_card": "[ID]",
    "bank_card": "[CARD]",
    "phone": "[PHONE]",
    "name": "[NAME]",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Digit runs, allowing single spaces or dashes between groups (cards are written 6222 0201 …).
_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){11,22}[Xx]?(?![0-9A-Za-z])")
_ID_CARD = re.compile(r"^\d{17}[\dXx]$")
_INTERNATIONAL = re.compile(r"(?:\+|(?<!\d)00)86[ \-]?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?\d{7,8}(?:-\d{1,5})?(?!\d)")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """Whether an 18-character resident ID passes its check digit (GB 11643-1999) and
    carries a plausible birth date."""
    if not _ID_CARD.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17].upper():
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check of card numbers (ISO/IEC 7812-1)."""
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _number(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"[ \-]", "", raw)
    if len(digits) == 18 and id_card_valid(digits):
        return MASKS["id_card"]
    if digits.isdigit() and 13 <= len(digits) <= 19 and luhn_valid(digits):
        return MASKS["bank_card"]
    return raw


@dataclass
class PiiMasker:
    """Masks personal data; ``names`` are the customers' names from the customer file."""

    names: Iterable[str] = ()
    _names: frozenset[str] = field(init=False, repr=False)
    _first: frozenset[str] = field(init=False, repr=False)
    _lengths: tuple[int, ...] = field(init=False, repr=False)
    _latin: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cjk = {n.strip() for n in self.names if n and len(n.strip()) >= 2 and not n.isascii()}
        latin = sorted(
            {n.strip() for n in self.names if n and n.isascii() and len(n.strip()) >= 3},
            key=len,
            reverse=True,
        )
        self._names = frozenset(cjk)
        self._first = frozenset(n[0] for n in cjk)
        self._lengths = tuple(sorted({len(n) for n in cjk}, reverse=True))
        self._latin = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b", re.IGNORECASE)
            if latin
            else None
        )

    def _mask_names(self, text: str) -> str:
        if self._names and not self._first.isdisjoint(text):
            out: list[str] = []
            i, n = 0, len(text)
            while i < n:
                if text[i] in self._first:
                    for length in self._lengths:
                        if text[i : i + length] in self._names:
                            out.append(MASKS["name"])
                            i += length
                            break
                    else:
                        out.append(text[i])
                        i += 1
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out)
        if self._latin is not None:
            text = self._latin.sub(MASKS["name"], text)
        return text

    def mask(self, text: str) -> str:
        """The text with every piece of personal data replaced by its mask."""
        text = _EMAIL.sub(MASKS["email"], text)
        if any(ch.isdigit() for ch in text):
            text = _INTERNATIONAL.sub(MASKS["phone"], text)
            text = _DIGITS.sub(_number, text)
            text = _MOBILE.sub(MASKS["phone"], text)
            text = _LANDLINE.sub(MASKS["phone"], text)
        return self._mask_names(text)


def mask_pii(text: str, *, names: Iterable[str] = ()) -> str:
    """Mask one text (see :class:`PiiMasker` to mask many with the same names)."""
    return PiiMasker(names).mask(text)
