"""Parsing the values of options that Typer leaves as text (lists, dates), with an error
that names the option, the value and what is allowed — one line, never a traceback."""

from __future__ import annotations

from datetime import date, datetime

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["bad_value", "iso_date", "iso_moment", "number_list", "text_list"]


def bad_value(option: str, value: str, allowed: str) -> InputError:
    """The error for ``option`` given ``value``; ``allowed`` says what it accepts."""
    return InputError(
        _("Invalid value for '{option}': {value!r}; allowed: {allowed}.", option=option,
          value=value, allowed=allowed)
    )  # fmt: skip


def number_list(option: str, text: str) -> list[float]:
    """``"0.2,0.5"`` → ``[0.2, 0.5]``."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise bad_value(option, text, _("numbers separated by commas, e.g. 0.2,0.5")) from None


def text_list(option: str, text: str) -> list[str]:
    """``"key, other"`` → ``["key", "other"]`` (no empty names)."""
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise bad_value(option, text, _("names separated by commas, e.g. key,other"))
    return names


def iso_date(option: str, text: str) -> date:
    """``YYYY-MM-DD`` → a date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_value(option, text, _("a date written YYYY-MM-DD")) from None


def iso_moment(option: str, text: str) -> str:
    """A date or a date and time in ISO 8601, checked and returned as given."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise bad_value(option, text, _("a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM")) from None
    return text
