"""What section builders share: the store, the chosen waves, the language, a memo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cxm.errors import CXMError
from cxm.store import Store

__all__ = ["NoData", "ReportContext"]

T = TypeVar("T")


class NoData(CXMError):
    """A section has nothing to show; its message is printed in place of the section."""

    status = 404


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
