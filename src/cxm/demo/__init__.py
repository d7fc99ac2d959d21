"""The demo company: a deterministic synthetic firm that carries the documents' structure
(80/20 profit, the churn-reason split, teams whose service differs), built in the store
by ``cxm demo`` so that every later analysis has something true to find.

Hidden ground truth is *not* stored in the customer file: recompute it with
``truth(seed, customers)`` (customer ``i`` is ``customer_external_id(i, customers)``).
Later steps (survey waves, the report) are appended to :data:`cxm.demo.steps.STEPS`.
"""

from __future__ import annotations

from cxm.demo.context import DemoContext, DemoStep, ProgressCallback
from cxm.demo.run import DEFAULT_CUSTOMERS, DEFAULT_SEED, run_demo
from cxm.demo.steps import STEPS
from cxm.demo.summary import DemoSummary, summarise, top_share
from cxm.demo.truth import DemoTruth, customer_external_id, truth
from cxm.demo.writer import StoreNotEmpty

__all__ = [
    "DEFAULT_CUSTOMERS",
    "DEFAULT_SEED",
    "STEPS",
    "DemoContext",
    "DemoStep",
    "DemoSummary",
    "DemoTruth",
    "ProgressCallback",
    "StoreNotEmpty",
    "customer_external_id",
    "run_demo",
    "summarise",
    "top_share",
    "truth",
]
