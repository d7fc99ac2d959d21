"""An order line's amount from its quantity and unit price, rounded half up to the cent.

The decimals' product is exact, but a million lines make a million decimals; when every
quantity is whole in thousandths and every unit price in ten-thousandths (the columns'
scales, as files almost always are) the product is formed in int64 instead — the same
cents, signed zeros included — and each distinct amount becomes a decimal once per file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from cxm.customers.importing.rows import MAX_AMOUNT

__all__ = ["Cents", "WholeLines", "line_amounts"]

_CENT = Decimal("0.01")
#: Distinct amounts kept across the chunks of a file (bounded memory).
_MAX_CENTS = 100_000


class Cents:
    """Decimal amounts (two places) by their number of cents, made once per distinct value
    across the chunks of a file (bounded like the parsed values' memo)."""

    def __init__(self) -> None:
        self.memo: dict[int, Decimal] = {}

    def take(self, cents: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        memo = self.memo
        if len(memo) > _MAX_CENTS:
            memo.clear()
        codes, uniques = pd.factorize(cents)
        distinct: list[int] = uniques.tolist()
        made = [memo.get(c) for c in distinct]
        for i, amount in enumerate(made):
            if amount is None:
                made[i] = memo[distinct[i]] = Decimal(distinct[i]).scaleb(-2)
        return np.array(made, dtype=object).take(codes)


#: Scaled integers whose product stays within int64 (quantity in thousandths × unit price
#: in ten-thousandths).
_INT64_PRODUCT = 2**63 - 1
#: A cent in the product's units (1e-7).
_PRODUCT_CENT = 100_000


def _scaled(values: list[Any], scale: int, blank: int) -> np.ndarray[Any, Any] | None:
    """Each decimal × 10**scale as an int64 (``blank`` for ``None``), or ``None`` when one
    is not a whole number at that scale, is a signed zero or is too large."""
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        if value is None:
            out[i] = blank
            continue
        if not value.is_finite() or (value.is_zero() and value.is_signed()):
            return None
        whole = value.scaleb(scale)
        if whole != whole.to_integral_value() or abs(whole) >= 2**62:
            return None
        out[i] = int(whole)
    return out


@dataclass(frozen=True)
class WholeLines:
    """Every line of a chunk in integers: its quantity in thousandths (a cancellation's
    negative) and its amount in cents."""

    quantity: np.ndarray[Any, Any]
    cents: np.ndarray[Any, Any]


def _whole_amounts(
    q_scaled: np.ndarray[Any, Any],
    p_scaled: np.ndarray[Any, Any],
    is_cancel: np.ndarray[Any, Any],
    cents_of: Cents,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], WholeLines] | None:
    """Quantity × unit price rounded half up (away from zero) to the cent in integers,
    exactly as the decimals would (signed zeros included), or ``None`` when the product
    could leave int64. Returns the amounts as decimals, which are too large, and the
    lines in integers."""
    q_abs, p_abs = np.abs(q_scaled), np.abs(p_scaled)
    if not len(q_scaled):
        empty = np.zeros(0, dtype=np.int64)
        return np.empty(0, dtype=object), np.zeros(0, dtype=bool), WholeLines(empty, empty)
    if int(q_abs.max()) * int(p_abs.max()) > _INT64_PRODUCT - _PRODUCT_CENT:
        return None
    # A cancellation's quantity is -|q| (a zero stays unsigned); the product's sign is
    # the decimals': the quantity's sign xor the price's, a zero product's included.
    negative = ((is_cancel & (q_scaled != 0)) | (q_scaled < 0)) ^ (p_scaled < 0)
    cents = (q_abs * p_abs + _PRODUCT_CENT // 2) // _PRODUCT_CENT
    too_large = cents >= int(MAX_AMOUNT / _CENT)
    signed = np.where(negative, -cents, cents)
    out = cents_of.take(signed)
    negative_zero = negative & (cents == 0)
    if negative_zero.any():
        out[negative_zero] = Decimal("-0.00")
    return out, too_large, WholeLines(np.where(is_cancel, -q_abs, q_scaled), signed)


def line_amounts(
    quantity: pd.Series,
    price: pd.Series,
    given: pd.Series,
    is_cancel: np.ndarray[Any, Any],
    codes: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    results: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    cents_of: Cents,
) -> tuple[pd.Series, np.ndarray[Any, Any], WholeLines | None]:
    """Each line's amount: the file's (negative on a cancellation), else quantity × unit
    price rounded half up to the cent. From the columns' codes (``codes``: each row's code
    among the quantity's and the price's distinct texts; ``results``: each code's decimal)
    in integers when every quantity and price is whole in thousandths and ten-thousandths
    (the columns' scales), else once per distinct (quantity, price, cancellation) in
    decimals. Also returns which lines' product is too large to store, and every line in
    integers when each was formed so."""
    out = given.to_numpy(dtype=object, copy=True)
    too_large = np.zeros(len(out), dtype=bool)
    has_given = given.notna().to_numpy()
    if (has_given & is_cancel).any():
        hit = has_given & is_cancel
        out[hit] = [-abs(a) for a in out[hit].tolist()]
    need = ~has_given & quantity.notna().to_numpy() & price.notna().to_numpy()
    if not need.any():
        return pd.Series(out, index=given.index, dtype=object, copy=False), too_large, None
    rows = np.flatnonzero(need)
    q_scaled = _scaled(results[0].tolist(), 3, blank=1000)  # a blank quantity counts 1
    p_scaled = _scaled(results[1].tolist(), 4, blank=0)  # a blank price: not needed
    if q_scaled is not None and p_scaled is not None:
        whole = _whole_amounts(
            q_scaled[codes[0][rows]], p_scaled[codes[1][rows]], is_cancel[rows], cents_of
        )
        if whole is not None:
            out[rows], too_large[rows], lines = whole
            every = lines if len(rows) == len(out) else None
            return pd.Series(out, index=given.index, dtype=object, copy=False), too_large, every
    q_codes, p_codes = (c[rows].astype(np.int64) + 1 for c in codes)
    key = (q_codes * (int(p_codes.max()) + 1) + p_codes) * 2 + is_cancel[rows]
    _keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    reps = rows[first]
    qs = quantity.to_numpy(dtype=object)[reps].tolist()
    ps = price.to_numpy(dtype=object)[reps].tolist()
    products = np.empty(len(reps), dtype=object)
    big = np.zeros(len(reps), dtype=bool)
    for i, (q, p) in enumerate(zip(qs, ps, strict=True)):
        amount = products[i] = (q * p).quantize(_CENT, rounding=ROUND_HALF_UP)
        big[i] = abs(amount) >= MAX_AMOUNT
    inverse = inverse.reshape(-1)
    out[rows] = products.take(inverse)
    too_large[rows] = big[inverse]
    return pd.Series(out, index=given.index, dtype=object, copy=False), too_large, None
