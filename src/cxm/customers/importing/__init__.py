"""Import the customer file: customers, purchases (or order lines) and touchpoints, from
CSV, XLSX or SPSS, all or nothing. One module per file kind (``customers``, ``purchases``,
``orders``, ``touchpoints``); ``run`` drives any of them chunk by chunk."""

from __future__ import annotations

from cxm.customers.importing.run import (
    DEFAULT_CHUNK_ROWS,
    ImportResult,
    Progress,
    import_customers,
    import_purchases,
    import_touchpoints,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ImportResult",
    "Progress",
    "import_customers",
    "import_purchases",
    "import_touchpoints",
]
