"""What a demo step receives and how a step is declared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cxm.demo.truth import DemoTruth, rng_for
from cxm.store import Store

__all__ = ["DemoContext", "DemoStep", "ProgressCallback"]

#: ``progress(label, done)``: the current step's label and the share of the whole demo done
#: (0…1).
ProgressCallback = Callable[[str, float], None]


@dataclass
class DemoContext:
    """The state shared by the steps of one demo run.

    ``truth`` is the hidden ground truth (see :mod:`cxm.demo.truth`); ``customer_ids``,
    ``employee_ids`` and ``team_ids`` map the generator's numbers to database ids (filled
    by the ``company`` step). A step puts what it wants shown in the summary into
    ``results[step_name]`` (JSON-able values).
    """

    store: Store
    customers: int
    seed: int
    truth: DemoTruth
    customer_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    employee_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    team_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    results: dict[str, Any] = field(default_factory=dict)
    _on_advance: Callable[[float], None] = field(default=lambda _f: None, repr=False)

    def rng(self, stream: str) -> np.random.Generator:
        """A reproducible random stream of this demo's seed, private to ``stream`` (use the
        step's name): adding or changing one step never changes another step's data."""
        return rng_for(self.seed, stream)

    def advance(self, fraction: float) -> None:
        """Report that ``fraction`` (0…1) of the current step is done."""
        self._on_advance(min(max(fraction, 0.0), 1.0))


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo: ``run(ctx)`` does the work.

    ``label`` is a function (so that it is translated when shown, not at import);
    ``weight`` is the step's share of the progress bar relative to the others.
    """

    name: str
    label: Callable[[], str]
    run: Callable[[DemoContext], None]
    weight: float = 1.0
