"""Registered jobs: ``@job("name")`` on a function taking a :class:`JobContext`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from sqlalchemy.orm import Session

from cxm.config import Settings
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store import Store

__all__ = ["JobContext", "JobSpec", "get_job", "job", "load_modules", "registered"]

#: Modules whose import registers CXM's own jobs: each domain keeps its jobs, and the
#: runner loads them by name (the jobs package sits below the domains and imports none).
BUILTIN_MODULES: tuple[str, ...] = (
    "cxm.surveys.jobs",
    "cxm.management.jobs",
    "cxm.reports.jobs",
    "cxm.cases.jobs",
    "cxm.report_cache.jobs",
    "cxm.jobs.prune",
)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job gets: its payload, and either ``session`` (an atomic job: its effects and
    the job's ``done`` commit together) or only ``store`` (a job with effects outside the
    database, such as sending mail, that opens its own sessions)."""

    job_id: int
    name: str
    payload: dict[str, Any]
    attempt: int
    worker: str
    store: Store
    settings: Settings
    session: Session | None
    #: For a batched job (``@job(..., batch=N)``): the payloads of every job claimed with
    #: this one (this one's first), run together and marked done together.
    payloads: tuple[dict[str, Any], ...] = ()

    @property
    def tx(self) -> Session:
        if self.session is None:
            raise RuntimeError(f"job {self.name} is not atomic: it has no session")
        return self.session


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    fn: Callable[[JobContext], Any]
    atomic: bool
    max_attempts: int
    retry_base_s: float
    retry_cap_s: float
    batch: int = 1

    def backoff_s(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1``: doubling from the base, capped."""
        return float(min(self.retry_base_s * 2 ** max(attempts - 1, 0), self.retry_cap_s))


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    atomic: bool = True,
    max_attempts: int = 5,
    retry_base_s: float = 10.0,
    retry_cap_s: float = 3600.0,
    batch: int = 1,
) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """Register ``fn`` as the job ``name``. ``atomic`` jobs run in one transaction with
    their ``done`` mark, so a job whose worker lost its lease leaves no effect behind.
    ``batch`` > 1: a worker claims up to that many due jobs of this name at once and runs
    ``fn`` once for all of them (``ctx.payloads``), so a stream of small jobs (one per
    saved answer) costs a few transactions per batch instead of three per job."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if batch < 1:
        raise ValueError("batch must be at least 1")

    def register(fn: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        known = _REGISTRY.get(name)
        if known is not None and known.fn is not fn:
            raise ValueError(f"job {name!r} is already registered by {known.fn.__module__}")
        _REGISTRY[name] = JobSpec(name, fn, atomic, max_attempts, retry_base_s, retry_cap_s, batch)
        return fn

    return register


def load_modules(modules: tuple[str, ...] | list[str] = ()) -> None:
    """Import CXM's job modules and ``modules`` (plug-ins), which register their jobs."""
    for module in (*BUILTIN_MODULES, *modules):
        try:
            import_module(module)
        except ImportError as exc:
            raise InputError(
                _("Cannot import job module {module}: {reason}", module=module, reason=str(exc))
            ) from None


def registered() -> dict[str, JobSpec]:
    load_modules()
    return dict(_REGISTRY)


def get_job(name: str) -> JobSpec:
    load_modules()
    spec = _REGISTRY.get(name)
    if spec is None:
        raise InputError(
            _(
                "Unknown job {name}; registered jobs: {names}",
                name=name,
                names=", ".join(sorted(_REGISTRY)),
            )
        )
    return spec
