"""One tree of errors for the whole system.

Every error a user can meet derives from :class:`CXMError`; it carries an HTTP status and
a message already written for a person (translated, naming row, field, value and fix).
The CLI prints it as one line; the web app renders it as HTML or JSON in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CXMError",
    "ConfigError",
    "Conflict",
    "ConvergenceError",
    "DatabaseUnavailable",
    "InputError",
    "ModelSpecError",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "SchemaOutdated",
    "StatisticalWarning",
    "ValidationFailed",
]


class CXMError(Exception):
    """Base of every error meant for a user. ``status`` is the HTTP status to answer with."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out


class ConfigError(CXMError):
    """A setting is missing or invalid."""

    status = 500
    code = "config"


class DatabaseUnavailable(CXMError):
    """The database cannot be reached."""

    status = 503
    code = "database_unavailable"


class SchemaOutdated(CXMError):
    """The database exists but is not at the schema this version needs."""

    status = 503
    code = "schema_outdated"


class NotFound(CXMError):
    status = 404
    code = "not_found"


class Conflict(CXMError):
    """The thing changed since the user read it (an optimistic version check failed)."""

    status = 409
    code = "conflict"


class PermissionDenied(CXMError):
    status = 403
    code = "forbidden"


class InputError(CXMError, ValueError):
    """Bad input from a user: a file, an argument, a form value."""

    status = 422
    code = "invalid_input"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in one row of an input file (``row`` counts from 1 = first data row
    after the header; ``None`` for file-level problems)."""

    row: int | None
    column: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class ValidationFailed(InputError):
    """Input was rejected as a whole; ``problems`` lists every problem found."""

    code = "validation_failed"

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message, details=[p.to_dict() for p in problems])
        self.problems = list(problems)


class ModelSpecError(InputError):
    """A model specification (lavaan syntax, template, columns) cannot be used."""

    code = "model_spec"


class ConvergenceError(CXMError, ValueError):
    """An iterative estimator did not converge; the message says what to try."""

    status = 422
    code = "convergence"


class StatisticalWarning(UserWarning):
    """A result is computed but should be read with care (small n, weak reliability...)."""
