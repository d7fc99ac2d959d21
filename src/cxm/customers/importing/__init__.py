"""Import the customer file: customers, purchases, order lines and touchpoints, from CSV,
XLSX or SPSS, all or nothing. One module per file kind (``customers``, ``purchases``,
``orders``, ``touchpoints``); ``run`` drives any of them chunk by chunk; ``models`` holds
the tables the importers add (loaded without pandas, for the model registry).

The public names below load on first use, so that importing ``…importing.models`` (as the
model registry does) does not import pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxm.customers.importing.run import (
        DEFAULT_CHUNK_ROWS,
        ImportOptions,
        ImportResult,
        Progress,
        import_customers,
        import_orders,
        import_purchases,
        import_touchpoints,
    )

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ImportOptions",
    "ImportResult",
    "Progress",
    "import_customers",
    "import_orders",
    "import_purchases",
    "import_touchpoints",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cxm.customers.importing import run

        return getattr(run, name)
    raise AttributeError(name)
