"""Defects per million opportunities (DPMO), yield and the six-sigma level.

DOMAIN.md §2: "Six Sigma: 3.4 defects per million opportunities. Count defects per
opportunity in the service process, report DPMO and sigma level, and track improvement."
The sigma level follows the convention of the six-sigma literature: the normal quantile of
the yield plus a long-term shift of 1.5, so 3.4 DPMO is 6.0 and 66,807 DPMO is 3.0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["SHIFT", "dpmo", "sigma_level", "sigma_table", "sigma_to_dpmo"]

#: The conventional long-term drift of a process mean, in standard deviations.
SHIFT = 1.5

FloatArray = npt.NDArray[np.float64]


def dpmo(defects: float, opportunities: float) -> float:
    """Defects per million opportunities: ``1e6 * defects / opportunities``."""
    if opportunities <= 0:
        raise InputError(_("Opportunities must be more than 0 (got {value}).", value=opportunities))
    if defects < 0:
        raise InputError(_("Defects cannot be negative (got {value}).", value=defects))
    if defects > opportunities:
        raise InputError(
            _(
                "Defects ({defects}) cannot exceed opportunities ({opportunities}).",
                defects=defects,
                opportunities=opportunities,
            )
        )
    return 1e6 * float(defects) / float(opportunities)


def sigma_level(dpmo_value: float | npt.ArrayLike, *, shift: float = SHIFT) -> float | FloatArray:
    """Short-term sigma level of a process with ``dpmo_value`` defects per million.

    Notes
    -----
    ``sigma = Φ⁻¹(1 − DPMO / 10⁶) + shift`` with the conventional ``shift = 1.5``.
    Zero defects gives ``inf`` (the level is above anything the data can show).

    References
    ----------
    Harry, M. J. (1988). *The Nature of Six Sigma Quality*. Motorola University Press.
    The table points 3.4 → 6.0, 233 → 5.0, 6,210 → 4.0, 66,807 → 3.0, 308,538 → 2.0 are pinned
    in ``tests/test_sigma.py``.

    Examples
    --------
    >>> round(float(sigma_level(3.4)), 2)
    6.0
    """
    d = np.asarray(dpmo_value, dtype=float)
    if np.any((d < 0) | (d > 1e6)):
        raise InputError(_("DPMO must lie between 0 and 1,000,000 (got {value}).", value=d))
    out = -special.ndtri(d / 1e6) + shift
    return float(out) if out.ndim == 0 else np.asarray(out, dtype=float)


def sigma_to_dpmo(level: float, *, shift: float = SHIFT) -> float:
    """The inverse of :func:`sigma_level`: DPMO of a process at ``level`` sigma."""
    return float(1e6 * special.ndtr(shift - level))


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        raise InputError(
            _(
                "Column {column} is not in the data; columns are {columns}.",
                column=name,
                columns=", ".join(map(str, df.columns)),
            )
        )
    values = pd.to_numeric(df[name], errors="coerce")
    bad = values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            _(
                "Row {row}, column {column}: {value} is not a number.",
                row=row + 1,
                column=name,
                value=df[name].iloc[row],
            )
        )
    return values.astype(float)


def sigma_table(
    data: pd.DataFrame,
    defects: str,
    opportunities: str,
    *,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """DPMO, yield and sigma level per group (or overall) from per-row defect counts.

    Each row gives the defects found and the opportunities for a defect (an order with five
    checked standards has five opportunities). Rows are summed per group first.

    Returns
    -------
    DataFrame
        One row per group (``by`` columns first), sorted by DPMO, worst first, then:
        ``units`` (rows), ``defects``, ``opportunities``, ``dpmo``, ``yield`` (share of
        opportunities without a defect), ``sigma_level`` (``inf`` with no defects) and
        ``share_of_defects`` (the group's share of all defects).

    Raises
    ------
    InputError
        A missing column, a value that is not a number, opportunities of 0 or below, negative
        defects or defects above opportunities, naming the row (counted from 1).
    """
    d = _column(data, defects)
    o = _column(data, opportunities)
    for name, values, bad, reason in (
        (opportunities, o, o <= 0, _("opportunities must be more than 0")),
        (defects, d, d < 0, _("defects cannot be negative")),
        (defects, d, d > o, _("defects exceed the opportunities")),
    ):
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                _(
                    "Row {row}, column {column}: {value} — {reason}.",
                    row=row + 1,
                    column=name,
                    value=values.iloc[row],
                    reason=reason,
                )
            )
    keys = [by] if isinstance(by, str) else list(by or [])
    for k in keys:
        if k not in data.columns:
            _column(data, k)  # raises the missing-column error
    frame = pd.DataFrame({"defects": d.to_numpy(), "opportunities": o.to_numpy()})
    for k in keys:
        frame[k] = data[k].to_numpy()
    if keys:
        grouped = frame.groupby(keys, sort=True, dropna=False)
        out = grouped[["defects", "opportunities"]].sum()
        out.insert(0, "units", grouped.size())
        out = out.reset_index()
    else:
        out = pd.DataFrame(
            {
                "units": [len(frame)],
                "defects": [frame["defects"].sum()],
                "opportunities": [frame["opportunities"].sum()],
            }
        )
    out["dpmo"] = 1e6 * out["defects"] / out["opportunities"]
    out["yield"] = 1.0 - out["defects"] / out["opportunities"]
    out["sigma_level"] = sigma_level(out["dpmo"].to_numpy())
    total = float(out["defects"].sum())
    out["share_of_defects"] = out["defects"] / total if total else 0.0
    return out.sort_values("dpmo", ascending=False, kind="stable").reset_index(drop=True)
