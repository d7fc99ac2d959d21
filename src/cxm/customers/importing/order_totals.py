"""Each order's purchase summed from the file while its lines are validated.

Importing into an empty ``order_lines`` table, the lines stored for an order at the end
are exactly the file's: their sums need not be read back with a ``GROUP BY`` over every
stored line (a second pass over a million rows after the last write). Each chunk's lines
are summed per order in integers (quantity in thousandths, amount in cents — exact, where
the database's sum of the stored values is too) and the chunks' sums are added up at the
end. A chunk whose lines are not all whole at those scales, that has costs or that refused
a line turns the totals off, and the import reads the sums back as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from cxm.customers.importing.order_amounts import WholeLines
from cxm.customers.importing.purchases import PURCHASE_COLUMNS

__all__ = ["OrderTotals"]

#: Sums of |quantity| and |cents| beyond which int64 could overflow: the totals go off.
_INT64_SAFE = 2**62


@dataclass
class OrderTotals:
    """Per-order sums of the chunks so far; ``usable`` falls to ``False`` for good once a
    chunk cannot be summed this way."""

    usable: bool = True
    parts: list[pd.DataFrame] = field(default_factory=list)
    #: sum of |quantity| and of |cents| over every line so far
    magnitude: int = 0

    def stop(self) -> None:
        self.usable = False
        self.parts.clear()

    def add(
        self,
        orders: tuple[np.ndarray[Any, Any], Any],
        customers: pd.Series,
        days: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
        lines: WholeLines | None,
        cost: pd.Series,
    ) -> None:
        """Sum one chunk's lines per order: the smallest customer key, the earliest day,
        quantity and amount. ``orders`` and ``days`` are each line's code and each code's
        order id or date."""
        if not self.usable:
            return
        codes, names = orders
        if lines is None or (codes < 0).any() or bool(cost.notna().any()):
            self.stop()
            return
        if bool(customers.isna().any()):
            self.stop()
            return
        day_codes, day_values = days
        ordinals = np.array(
            [-1 if d is None else d.toordinal() for d in day_values.tolist()], dtype=np.int64
        )
        day = ordinals[day_codes] if len(day_codes) else np.zeros(0, dtype=np.int64)
        if (day < 0).any():
            self.stop()
            return
        self.magnitude += int(np.abs(lines.quantity).sum()) + int(np.abs(lines.cents).sum())
        if self.magnitude >= _INT64_SAFE:
            self.stop()
            return
        n = len(names)
        sums = {
            "customer": np.full(n, np.iinfo(np.int64).max, dtype=np.int64),
            "day": np.full(n, np.iinfo(np.int64).max, dtype=np.int64),
            "quantity": np.zeros(n, dtype=np.int64),
            "cents": np.zeros(n, dtype=np.int64),
        }
        np.minimum.at(sums["customer"], codes, customers.to_numpy(dtype=np.int64))
        np.minimum.at(sums["day"], codes, day)
        np.add.at(sums["quantity"], codes, lines.quantity)
        np.add.at(sums["cents"], codes, lines.cents)
        self.parts.append(pd.DataFrame(sums, index=pd.Index(np.asarray(names, dtype=object))))

    def rows(self, first_product: dict[str, str], *, exact: bool) -> pd.DataFrame:
        """One purchase per order, as :func:`~.orders.order_rows` reads them back: sorted by
        order id; quantity and revenue as decimals (``exact``, PostgreSQL) or as SQLite's
        floats rounded to the columns' scales; no cost."""
        if not self.parts:
            return pd.DataFrame(columns=list(PURCHASE_COLUMNS), dtype=object)
        parts = self.parts[0] if len(self.parts) == 1 else pd.concat(self.parts)
        totals = parts.groupby(level=0, sort=True).agg(
            customer=("customer", "min"),
            day=("day", "min"),
            quantity=("quantity", "sum"),
            cents=("cents", "sum"),
        )
        orders: list[str] = totals.index.tolist()
        if exact:
            quantity: list[Any] = [Decimal(q).scaleb(-3) for q in totals["quantity"].tolist()]
            revenue: list[Any] = [Decimal(c).scaleb(-2) for c in totals["cents"].tolist()]
        else:
            quantity = [q / 1000 for q in totals["quantity"].tolist()]
            revenue = [c / 100 for c in totals["cents"].tolist()]
        return pd.DataFrame(
            {
                "external_id": orders,
                "customer_id": totals["customer"].tolist(),
                "purchased_on": [date.fromordinal(d) for d in totals["day"].tolist()],
                "product": [first_product.get(o, o)[:200] for o in orders],
                "quantity": quantity,
                "revenue": revenue,
                "cost": [None] * len(orders),
            },
            dtype=object,
        )
