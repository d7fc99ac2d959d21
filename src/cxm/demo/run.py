"""``run_demo``: build the demo company in a store by running the demo's steps in order."""

from __future__ import annotations

from collections.abc import Sequence

from cxm.demo.context import DemoContext, DemoStep, ProgressCallback
from cxm.demo.steps import STEPS
from cxm.demo.summary import DemoSummary, summarise
from cxm.demo.truth import truth
from cxm.demo.writer import clear_store, refuse_if_not_empty
from cxm.errors import InputError
from cxm.i18n import _
from cxm.store import Store

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED", "MIN_CUSTOMERS", "check_request", "run_demo"]

DEFAULT_CUSTOMERS = 20_000
DEFAULT_SEED = 2024
#: Fewest customers the demo builds (below this the 80/20 structure is noise).
MIN_CUSTOMERS = 50


def check_request(store: Store, *, customers: int, seed: int, replace: bool) -> None:
    """Refuse a demo that cannot run (too small, bad seed, a filled store without
    ``replace``) before any work starts."""
    if customers < MIN_CUSTOMERS:
        raise InputError(
            _(
                "--customers must be at least {min}, got {n}.",
                min=MIN_CUSTOMERS,
                n=customers,
            )
        )
    if seed < 0:
        raise InputError(_("--seed must be zero or positive, got {seed}.", seed=seed))
    if not replace:
        refuse_if_not_empty(store)


def run_demo(
    store: Store,
    *,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    steps: Sequence[DemoStep] = STEPS,
) -> DemoSummary:
    """Build the synthetic demo company in ``store`` and summarise it.

    The store must hold no customers unless ``replace`` is set, which first deletes ALL
    data in every table. The same ``customers`` and ``seed`` give the same company.
    """
    check_request(store, customers=customers, seed=seed, replace=replace)
    report = progress or (lambda _label, _done: None)
    if replace:
        report(_("Deleting the old data"), 0.0)
        with store.engine.begin() as conn:
            clear_store(conn)

    ctx = DemoContext(store=store, customers=customers, seed=seed, truth=truth(seed, customers))
    # The summary counts as one more unit of work after the steps.
    total = sum(s.weight for s in steps) + 1.0
    before = 0.0
    for step in steps:
        label = step.label()
        start = before

        def on_advance(fraction: float, _start: float = start, _w: float = step.weight) -> None:
            report(label, (_start + _w * fraction) / total)  # noqa: B023

        ctx._on_advance = on_advance
        on_advance(0.0)
        step.run(ctx)
        before += step.weight
        on_advance(1.0)
    report(_("Summarising"), before / total)
    summary = summarise(store, seed=seed)
    summary.steps.update(ctx.results)
    report(_("Done"), 1.0)
    return summary
