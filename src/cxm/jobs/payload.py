"""Fields of a job's payload, checked: a whole number or a text, else an :class:`InputError`
naming the field and the value (shared by the jobs each domain registers)."""

from __future__ import annotations

from typing import Any

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["int_field", "text_field"]


def int_field(payload: dict[str, Any], field: str) -> int:
    value = payload.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            _(
                "Job payload field {field} must be a whole number, not {value}.",
                field=field,
                value=repr(value),
            )
        )
    return value


def text_field(
    payload: dict[str, Any], field: str, default: str | None = None, *, allow_empty: bool = False
) -> str:
    value = payload.get(field, default)
    if not isinstance(value, str) or not (value or allow_empty):
        raise InputError(
            _(
                "Job payload field {field} must be a text, not {value}.",
                field=field,
                value=repr(value),
            )
        )
    return value
