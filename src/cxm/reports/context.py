"""What section builders share: the store, the chosen waves, the language, a memo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any, TypeVar

from cxm.errors import CXMError
from cxm.store import Store

__all__ = ["NoData", "NotAvailable", "ReportContext", "TooFewAnswers", "optional_module"]

T = TypeVar("T")


class NoData(CXMError):
    """A section has nothing to show; its message is printed in place of the section."""

    status = 404


class TooFewAnswers(NoData):
    """There are answers, but fewer than the minimum n: a model or a driver analysis on a
    handful of answers would be noise. The section says "no answers yet (n = k, below the
    minimum)" — a state of its own (:data:`cxm.reports.model.TOO_FEW`)."""

    def __init__(self, message: str, *, n: int, minimum: int) -> None:
        super().__init__(message, details={"n": n, "minimum": minimum})
        self.n = n
        self.minimum = minimum


class NotAvailable(NoData):
    """An optional dependency of the section is not installed: the only reason a section
    may say "not available" (:data:`cxm.reports.model.NOT_AVAILABLE`)."""


def optional_module(name: str, *, package: str | None = None) -> ModuleType:
    """Import the optional dependency ``name``, or raise :class:`NotAvailable` naming the
    package to install. A module of CXM that fails to import is a bug, not a missing
    dependency: its error goes through."""
    from cxm.i18n import _

    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing.startswith("cxm") or not (name == missing or name.startswith(missing + ".")):
            raise
        raise NotAvailable(
            _(
                "Not available: install the optional package {package} to show this part.",
                package=package or missing,
            )
        ) from exc


@dataclass
class ReportContext:
    """``wave``/``compare`` are wave names or ids as the user gave them (None: the latest
    wave and the one before it)."""

    store: Store | None
    wave: str | None = None
    compare: str | None = None
    lang: str = "en"
    #: The analysis date (``--as-of``; None: the last date in the data).
    as_of: str | None = None
    #: Only the answers of customers now in this segment (``definition:segment``), or all.
    segment: str | None = None
    #: The minimum n below which a score is suppressed ("too few answers").
    min_n: int = 30
    #: For a report made from a file (``cxm analyze --report``) rather than the store.
    extra: dict[str, Any] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute ``key`` once per report (sections share frames and fitted models)."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

    def require_store(self) -> Store:
        if self.store is None:
            from cxm.i18n import _

            raise NoData(_("This report was made from a file; there is no customer store."))
        return self.store
