"""Control characters in submitted text: NUL and the other C0 controls (and DEL) have no
place in a name, an answer or a setting, and a NUL silently truncated names downstream.
Tab, line feed and carriage return are allowed (multi-line answers).

:func:`find_control` looks in a query string, a form body or a JSON body and names the
field, the character and its position, so the refusal can say what to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["ControlFound", "find_control"]

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Quick byte-level tests: a raw control byte, or one written as %XX (forms, queries) or
# \\u00XX (JSON, preceded by an odd number of backslashes).
_RAW = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERCENT = re.compile(rb"%(?:0[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF])")
_JSON_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF])")


@dataclass(frozen=True, slots=True)
class ControlFound:
    field: str
    codepoint: int
    position: int


def _in_text(field: str, value: str) -> ControlFound | None:
    hit = _BAD.search(value)
    return ControlFound(field, ord(hit.group()), hit.start() + 1) if hit else None


def _in_pairs(raw: bytes) -> ControlFound | None:
    text = raw.decode("utf-8", errors="replace")
    for name, value in parse_qsl(text, keep_blank_values=True):
        found = _in_text(name, value) or _in_text(name, name)
        if found:
            return found
    return None


def _walk(value: Any, path: str) -> ControlFound | None:
    if isinstance(value, str):
        return _in_text(path or "body", value)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _in_text(f"{path}.{key}".lstrip("."), key) or _walk(
                item, f"{path}.{key}".lstrip(".")
            )
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, f"{path}[{i}]")
            if found:
                return found
    return None


def find_control(
    *, query: bytes = b"", body: bytes = b"", content_type: bytes = b""
) -> ControlFound | None:
    """The first control character in the query string or a form/JSON body, or None."""
    if query and (_PERCENT.search(query) or _RAW.search(query)):
        found = _in_pairs(query)
        if found:
            return found
    if not body:
        return None
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        if _PERCENT.search(body) or _RAW.search(body):
            return _in_pairs(body)
    elif b"json" in content_type and _JSON_ESCAPE.search(body):
        try:
            return _walk(json.loads(body), "")
        except ValueError:
            return None  # invalid JSON: the route's own parsing answers 422
    return None
