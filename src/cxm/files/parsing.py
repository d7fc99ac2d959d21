"""Read the values people type into spreadsheets: ids, amounts and dates.

Decisions (documented because a file can be read more than one way):

* **Text and ids** are NFKC-normalised (full-width ``Ｃ００１`` → ``C001``, ideographic
  space → space), stripped, and inner runs of white space collapse to one space. Two ids
  that differ only by case are *not* silently merged: :func:`id_key` exposes the case-folded
  form so an importer can report them as a conflict.
* **Amounts** accept ``1234.5``, ``1,234.50``, ``1 234.50``, ``¥1,234.50``, ``￥``, ``$``,
  ``RMB``/``CNY``/``元``, full-width digits, a leading minus or accounting parentheses.
  The comma is a thousands separator unless the caller says the file writes a decimal
  comma (``decimal_comma=True``: ``1.234,50``, ``1 234,50``, ``1234,5``); without that,
  a decimal comma is refused as ambiguous rather than guessed.
* **Dates** accept ``2024-01-05``, ``2024/1/5``, ``2024.1.5``, ``2024年1月5日``,
  ``20240105``, an Excel serial day number (``45296``; 1900 date system) and any of these
  followed by a time. Day-first or month-first forms (``05/01/2024``, ``12/1/2010 8:26``)
  are read in the order the caller gives (``order="DMY"`` or ``"MDY"``), which an importer
  infers for a whole column (:func:`infer_date_order`) or takes from ``--date-format``;
  without an order such a date is refused as ambiguous unless its day is above 12. A
  ``strftime`` pattern (``%d.%m.%Y %H:%M``) may be given instead. Times without a zone
  are taken as UTC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cxm.i18n import _

__all__ = [
    "DATE_ORDERS",
    "EMAIL_PATTERN",
    "EXCEL_EPOCH",
    "all_match",
    "id_key",
    "infer_date_order",
    "is_clean_text",
    "is_valid_email",
    "normalise_id",
    "normalise_text",
    "normalise_text_fast",
    "normalise_text_series",
    "parse_amount",
    "parse_date",
    "parse_datetime",
    "parse_unique",
    "parse_unique_array",
    "parse_unique_codes",
]

T = TypeVar("T")

#: Day 0 of Excel's 1900 date system (it counts 1900-02-29, so serials start at 1899-12-30).
EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"\s+")
#: What an e-mail address must look like (one @, a dot in the domain, no spaces).
EMAIL_PATTERN = r"[^@\s\x00]+@[^@\s.\x00]+(?:\.[^@\s.\x00]+)+"
_EMAIL = re.compile(EMAIL_PATTERN)
_CURRENCY = re.compile(r"^(?:¥|\$|€|£|rmb|cny|usd)\s*|\s*(?:元|rmb|cny|usd)$", re.IGNORECASE)
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$|^\.\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:(,)\d{3}|( )\d{3})+(?:\.\d+)?$")
_DATE = re.compile(
    r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日?"
    r"|(?P<m3>\d{2})(?P<d3>\d{2}))"
    r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{2})(?:[:分](?P<S>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?秒?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_SERIAL = re.compile(r"^\d{5,7}(?:\.\d+)?$")
_DMY = re.compile(
    r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
    r"\s*(?P<ampm>[AaPp][Mm])?)?$"
)
#: Orders of day and month an importer accepts (``--date-format``).
DATE_ORDERS = ("YMD", "DMY", "MDY")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(?:([. ])\d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$")


def normalise_text(value: str) -> str:
    """NFKC (full-width → half-width), stripped, inner white space collapsed to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def normalise_id(value: str) -> str:
    """An external id as stored: :func:`normalise_text` (case is kept)."""
    return normalise_text(value)


def id_key(value: str) -> str:
    """The form under which two ids count as the same: normalised and case-folded."""
    return normalise_text(value).casefold()


def normalise_text_fast(value: str) -> str:
    """:func:`normalise_text`, with a fast path for plain ASCII."""
    if value.isascii() and value.isprintable() and "  " not in value:
        return value.strip(" ")
    return normalise_text(value)


def is_clean_text(values: list[str]) -> bool:
    """Whether every value is already as :func:`normalise_text` would leave it (NFKC, no
    padding, single spaces, no odd white space, no export apostrophe), checked on the
    joined text with C-speed string methods. ``False`` may be a false alarm, never a miss."""
    joined = "|".join(values)
    return (
        joined.isprintable()
        and unicodedata.is_normalized("NFKC", joined)
        and not joined.startswith((" ", "'"))
        and not joined.endswith(" ")
        and all(mark not in joined for mark in ("  ", "| ", " |", "|'"))
    )


def normalise_text_series(values: pd.Series) -> pd.Series:
    """:func:`normalise_text` over a Series of text; each distinct value is normalised once
    and plain ASCII takes a fast path."""
    cache: dict[str, str] = {}
    out = []
    for value in values.tolist():
        text = cache.get(value)
        if text is None:
            text = cache[value] = normalise_text_fast(str(value))
        out.append(text)
    return pd.Series(out, index=values.index, dtype=object)


@cache
def _all_match(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?>(?:{pattern})?)(?:\\x00(?>(?:{pattern})?))*")


def all_match(values: list[str | None], pattern: str) -> bool:
    """Whether every non-empty value matches ``pattern`` in full: one regex pass over the
    joined text (``pattern`` must not match NUL). ``False`` means: test value by value."""
    joined = "\x00".join(v or "" for v in values)
    if joined.count("\x00") != max(len(values) - 1, 0):  # a value holds NUL itself
        return False
    return bool(_all_match(pattern).fullmatch(joined))


def is_valid_email(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value)) and len(value) <= 254


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """``"¥1,234.50"`` → ``Decimal("1234.50")`` (``"¥1.234,50"`` with ``decimal_comma``);
    ValueError with a reason otherwise."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.startswith(("-", "−")):
        negative, s = not negative, s[1:].strip()
    s = _CURRENCY.sub("", s).strip()
    if s.startswith(("-", "−")):
        negative, s = not negative, s[1:].strip()
    if not s:
        raise ValueError(_("not an amount"))
    if decimal_comma:
        if not _COMMA_GROUPED.match(s):
            raise ValueError(_("not an amount (the file writes decimals with a comma)"))
        s = s.replace(".", "").replace(" ", "").replace(",", ".")
    elif not _PLAIN.match(s):
        if not _GROUPED.match(s):
            if re.fullmatch(r"[\d .,]*\d,\d{1,2}", s) or re.fullmatch(r"[\d .]+,\d+", s):
                raise ValueError(
                    _("a comma is read as a thousands separator; write decimals with a dot")
                )
            raise ValueError(_("not an amount"))
        s = s.replace(",", "").replace(" ", "")
    try:
        amount = Decimal(s)
    except InvalidOperation:
        raise ValueError(_("not an amount")) from None
    return -amount if negative else amount


def infer_date_order(values: list[str]) -> str | None:
    """``"DMY"`` or ``"MDY"`` when some value of a column written day/month/year-wise shows
    its order (a first number above 12 is a day; a second one above 12 is a day), ``None``
    when no value tells (or none is written that way).

    Raises
    ------
    ValueError
        When values show both orders (the column mixes two ways of writing dates).
    """
    day_first = month_first = None
    for value in values:
        m = _DMY.match(normalise_text(str(value)))
        if m is None:
            continue
        a, b = int(m["a"]), int(m["b"])
        if a > 12 and day_first is None:
            day_first = value
        elif b > 12 and month_first is None:
            month_first = value
        if day_first is not None and month_first is not None:
            raise ValueError(
                _(
                    "the column writes dates both day first ({a}) and month first ({b})",
                    a=day_first,
                    b=month_first,
                )
            )
    if day_first is not None:
        return "DMY"
    if month_first is not None:
        return "MDY"
    return None


def _day_first(
    m: re.Match[str], order: str | None
) -> tuple[date, tuple[int, int, int, int] | None]:
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    if len(m["y"]) == 2:
        year += 2000 if year < 70 else 1900
    if order is None or order == "YMD":
        if a > 12:
            order = "DMY"
        elif b > 12 or a == b:
            order = "MDY"
        else:
            raise ValueError(
                _(
                    "ambiguous: day/month or month/day? Give the order with --date-format "
                    "DMY or MDY (or date_format in the mapping)"
                )
            )
    day_, month = (a, b) if order == "DMY" else (b, a)
    try:
        day = date(year, month, day_)
        clock = None
        if m["H"] is not None:
            hour = int(m["H"])
            if m["ampm"]:
                if not 1 <= hour <= 12:
                    raise ValueError
                hour = hour % 12 + (12 if m["ampm"].lower() == "pm" else 0)
            clock = (hour, int(m["M"]), int(m["S"] or 0), int((m["f"] or "0").ljust(6, "0")))
            datetime(2000, 1, 1, *clock)
    except ValueError:
        raise ValueError(_("not a real date")) from None
    return day, clock


def _parts(
    text: str, order: str | None = None
) -> tuple[date, tuple[int, int, int, int] | None, str | None]:
    if order is not None and "%" in order:
        try:
            moment = datetime.strptime(normalise_text(str(text)), order)
        except ValueError:
            raise ValueError(_("not a date in the format {format}", format=order)) from None
        hms = (moment.hour, moment.minute, moment.second, moment.microsecond)
        return moment.date(), hms if any(hms) else None, None
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # the common case, YYYY-MM-DD, in C
            return date.fromisoformat(text), None, None
        except ValueError:
            pass
    s = normalise_text(str(text))
    if not s:
        raise ValueError(_("empty"))
    m = _DATE.match(s)
    if m is None:
        dmy = _DMY.match(s)
        if dmy is not None:
            return (*_day_first(dmy, order), None)
        if _SERIAL.match(s):
            serial = float(s)
            if 1 <= serial < 2_958_466:
                seconds = round((serial - int(serial)) * 86400)
                at = (seconds // 3600, seconds // 60 % 60, seconds % 60, 0) if seconds else None
                return EXCEL_EPOCH + timedelta(days=int(serial)), at, None
        raise ValueError(_("not a date; write it as YYYY-MM-DD, e.g. 2024-01-05"))
    g = m.groupdict()
    month, day_ = g["m"] or g["m2"] or g["m3"], g["d"] or g["d2"] or g["d3"]
    try:
        day = date(int(g["y"]), int(month), int(day_))
        clock = None
        if g["H"] is not None:
            frac = int((g["f"] or "0").ljust(6, "0"))
            clock = (int(g["H"]), int(g["M"]), int(g["S"] or 0), frac)
            datetime(2000, 1, 1, *clock)
    except ValueError:
        raise ValueError(_("not a real date")) from None
    return day, clock, g["tz"]


def parse_date(
    text: str,
    *,
    today: date | None = None,
    allow_future: bool = False,
    order: str | None = None,
) -> date:
    """A calendar date from any accepted form (see module notes); a time part is ignored.

    ``allow_future=False`` (a historical field) makes a date after ``today`` an error;
    ``order`` (``"DMY"``, ``"MDY"`` or a strftime pattern) reads day/month forms."""
    day, _clock, _tz = _parts(text, order)
    if not allow_future and day > (today or date.today()):
        raise ValueError(_("is in the future"))
    return day


def parse_datetime(
    text: str,
    *,
    now: datetime | None = None,
    allow_future: bool = False,
    order: str | None = None,
) -> datetime:
    """A timezone-aware instant; a time without zone is UTC; a bare date is midnight UTC.

    ``allow_future=False`` refuses instants more than a day after ``now`` (the day of slack
    absorbs local times written without their zone)."""
    day, clock, tz = _parts(text, order)
    hh, mm, ss, us = clock or (0, 0, 0, 0)
    moment = datetime(day.year, day.month, day.day, hh, mm, ss, us, tzinfo=UTC)
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if not allow_future and moment > (now or datetime.now(UTC)) + timedelta(days=1):
        raise ValueError(_("is in the future"))
    return moment


def parse_unique(
    values: pd.Series,
    parse: Callable[[str], T],
    *,
    memo: dict[str, tuple[T | None, str | None]] | None = None,
) -> tuple[list[T | None], dict[Any, str]]:
    """Apply ``parse`` once per distinct non-empty value of ``values``.

    Returns the parsed values in order (``None`` for empty cells and failures) and a map
    from index label to the reason for each failure. ``memo`` (value → (result, reason))
    carries results from one chunk of a file to the next.
    """
    out, failures = parse_unique_array(values, parse, memo=memo)
    return out.tolist(), failures


def parse_unique_array(
    values: pd.Series,
    parse: Callable[[str], T],
    *,
    memo: dict[str, tuple[T | None, str | None]] | None = None,
) -> tuple[np.ndarray[Any, np.dtype[np.object_]], dict[Any, str]]:
    """:func:`parse_unique` as an object array: the column is factorised (in C), each
    distinct value parsed once and the results taken by code, so no Python object is
    made per row."""
    codes, results, failures = parse_unique_codes(values, parse, memo=memo)
    out = results.take(codes) if len(codes) else np.empty(0, dtype=object)
    return out, failures


def parse_unique_codes(
    values: pd.Series,
    parse: Callable[[str], T],
    *,
    memo: dict[str, tuple[T | None, str | None]] | None = None,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.object_]], dict[Any, str]]:
    """:func:`parse_unique_array` before the take: each row's code, the result of each
    code (``None`` for empty cells and failures) and the failures by index label."""
    seen: dict[str, tuple[T | None, str | None]] = {} if memo is None else memo
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    distinct = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    results = np.empty(len(distinct), dtype=object)
    bad: list[int] = []
    for i, raw in enumerate(distinct):
        entry = seen.get(raw)
        if entry is None:
            text = str(raw).strip()
            if not text:
                entry = (None, None)
            else:
                try:
                    entry = (parse(text), None)
                except ValueError as exc:
                    entry = (None, str(exc))
            seen[raw] = entry
        results[i] = entry[0]
        if entry[1] is not None:
            bad.append(i)
    failures: dict[Any, str] = {}
    if bad:
        reasons = {i: str(seen[distinct[i]][1]) for i in bad}
        hit = np.isin(codes, bad)
        failures = {
            label: reasons[int(code)]
            for label, code in zip(values.index[hit].tolist(), codes[hit].tolist(), strict=True)
        }
    return codes, results, failures
