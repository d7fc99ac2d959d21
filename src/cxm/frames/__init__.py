"""The frames layer: the one place that reads the store into pandas DataFrames.

Reports, the CLI and the web app read customers, purchases, touchpoints and responses
through these functions, never with SQL of their own. Each aggregation that grows with
the data (profit per customer, purchase totals, complaint counts) is one named function
here, computed in the database, so that another engine can re-express it without touching
its callers. Readers marked ``@read_once`` read once per command (:mod:`cxm.frames.cache`).

Modules:

- :mod:`cxm.frames.cache` — :func:`raw_rows`, :func:`read_once`, :func:`shared_reads`.
- :mod:`cxm.frames.customers` — customers, purchases, touchpoints and their per-customer sums.
- :mod:`cxm.frames.aggregations` — those sums defined once in Ibis; :mod:`cxm.frames.engines`
  runs them on the store (compiled SQL), DuckDB or Spark (``CXM_COMPUTE``).
- :mod:`cxm.frames.responses` — completed survey responses, one column per question.

Names are imported from their module on first use, so that importing one module of the
layer does not import the others (the responses reader needs the questionnaire schema).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxm.frames.cache import raw_rows, read_once, shared_reads, sharing_reads
    from cxm.frames.customers import (
        bgnbd_inputs,
        complaint_counts,
        contact_counts,
        customer_table,
        customers_frame,
        first_purchases,
        last_activity_date,
        latest_answers,
        observation_start,
        profit_by_customer,
        purchase_totals,
    )
    from cxm.frames.responses import RESPONSE_COLUMNS, responses_frame

_WHERE = {
    "raw_rows": "cache",
    "read_once": "cache",
    "shared_reads": "cache",
    "sharing_reads": "cache",
    "bgnbd_inputs": "customers",
    "complaint_counts": "customers",
    "contact_counts": "customers",
    "customer_table": "customers",
    "customers_frame": "customers",
    "first_purchases": "customers",
    "last_activity_date": "customers",
    "latest_answers": "customers",
    "observation_start": "customers",
    "profit_by_customer": "customers",
    "purchase_totals": "customers",
    "RESPONSE_COLUMNS": "responses",
    "responses_frame": "responses",
}

__all__ = [
    "RESPONSE_COLUMNS",
    "bgnbd_inputs",
    "complaint_counts",
    "contact_counts",
    "customer_table",
    "customers_frame",
    "first_purchases",
    "last_activity_date",
    "latest_answers",
    "observation_start",
    "profit_by_customer",
    "purchase_totals",
    "raw_rows",
    "read_once",
    "responses_frame",
    "shared_reads",
    "sharing_reads",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'cxm.frames' has no attribute {name!r}")
    return getattr(import_module(f"cxm.frames.{_WHERE[name]}"), name)
