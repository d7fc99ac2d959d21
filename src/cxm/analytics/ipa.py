"""Importance–performance analysis: what to fix first.

Martilla & James (1977) plot each attribute's importance against its performance and split
the plane into four quadrants. The same matrix serves item-level key drivers (importance =
relative weight or Shapley share, performance = item mean on 0–100) and the PLS
importance–performance map (IPMA; importance = a construct's total effect on the target,
performance = its construct index 0–100; Ringle & Sarstedt 2016).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["QUADRANTS", "importance_performance", "quadrant_label", "quadrant_splits"]

#: Quadrant codes, in the order of improvement urgency.
QUADRANTS: tuple[str, ...] = (
    "concentrate_here",
    "keep_up_the_good_work",
    "low_priority",
    "possible_overkill",
)


def quadrant_label(code: str) -> str:
    """The quadrant's name in the current language."""
    labels = {
        "concentrate_here": _("Concentrate here"),
        "keep_up_the_good_work": _("Keep up the good work"),
        "low_priority": _("Low priority"),
        "possible_overkill": _("Possible overkill"),
    }
    return labels[code]


def importance_performance(
    importance: pd.Series,
    performance: pd.Series,
    *,
    split: Literal["mean", "median"] = "mean",
    importance_split: float | None = None,
    performance_split: float | None = None,
    target: float = 100.0,
) -> pd.DataFrame:
    """Importance–performance matrix with quadrants and ranked improvement priorities.

    Parameters
    ----------
    importance : Series
        Importance per item or construct (index = names), e.g. relative weights or PLS
        ``total_effects_`` on the target construct.
    performance : Series
        Performance per item or construct on 0–100 (same index), e.g. rescaled item means
        or PLS ``construct_indices_``.
    split : {"mean", "median"}, default "mean"
        Where each axis is split, unless given explicitly by ``importance_split`` /
        ``performance_split``.
    target : float, default 100
        The performance aimed at; the gap is ``max(target − performance, 0)``.

    Returns
    -------
    DataFrame
        ``item``, ``importance``, ``performance``, ``quadrant`` (a code from
        :data:`QUADRANTS`), ``quadrant_label`` (translated), ``gap``, ``priority``
        (importance × gap) and ``priority_rank`` (1 = fix first), in the input order.
        The two split values: :func:`quadrant_splits`.

    Notes
    -----
    High importance (≥ split) and low performance (< split): *concentrate here*; high and
    high: *keep up the good work*; low and low: *low priority*; low importance and high
    performance: *possible overkill*. Priority = :math:`I_j \\cdot \\max(T - P_j, 0)`, the
    expected gain in the outcome from closing item :math:`j`'s gap (as in IPMA).

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing*, 41(1), 77–79. Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from
    your PLS-SEM results: the importance-performance map analysis. *Industrial Management &
    Data Systems*, 116(9), 1865–1886.

    Examples
    --------
    >>> import pandas as pd
    >>> imp = pd.Series({"speed": 0.4, "price": 0.1, "staff": 0.3, "decor": 0.05})
    >>> perf = pd.Series({"speed": 55, "price": 80, "staff": 85, "decor": 40})
    >>> importance_performance(imp, perf)[["item", "quadrant", "priority_rank"]]
        item               quadrant  priority_rank
    0  speed       concentrate_here              1
    1  price      possible_overkill              4
    2  staff  keep_up_the_good_work              2
    3  decor           low_priority              3
    """
    imp, perf, i_split, p_split = _axes(
        importance, performance, split, importance_split, performance_split
    )
    high_i, high_p = imp >= i_split, perf >= p_split
    quadrant = np.where(
        high_i,
        np.where(high_p, "keep_up_the_good_work", "concentrate_here"),
        np.where(high_p, "possible_overkill", "low_priority"),
    )
    gap = np.maximum(target - perf, 0.0)
    priority = imp * gap
    rank = pd.Series(priority).rank(ascending=False, method="first").astype(int).to_numpy()
    out = pd.DataFrame(
        {
            "item": list(importance.index),
            "importance": imp,
            "performance": perf,
            "quadrant": quadrant,
            "quadrant_label": [quadrant_label(q) for q in quadrant],
            "gap": gap,
            "priority": priority,
            "priority_rank": rank,
        }
    )
    return out


def quadrant_splits(
    importance: pd.Series,
    performance: pd.Series,
    *,
    split: Literal["mean", "median"] = "mean",
    importance_split: float | None = None,
    performance_split: float | None = None,
) -> tuple[float, float]:
    """Where :func:`importance_performance` splits the two axes: ``(importance split,
    performance split)``, the mean or median of each unless given.

    Examples
    --------
    >>> import pandas as pd
    >>> quadrant_splits(pd.Series({"a": 0.2, "b": 0.4}), pd.Series({"a": 50, "b": 70}))
    (0.30000000000000004, 60.0)
    """
    _imp, _perf, i_split, p_split = _axes(
        importance, performance, split, importance_split, performance_split
    )
    return i_split, p_split


def _axes(
    importance: pd.Series,
    performance: pd.Series,
    split: str,
    importance_split: float | None,
    performance_split: float | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float, float]:
    """Importance and performance in the same item order (checked), and the two splits."""
    if not importance.index.equals(performance.index):
        if set(importance.index) != set(performance.index):
            raise InputError(
                _(
                    "Importance and performance must name the same items; differing: {items}",
                    items=", ".join(map(str, set(importance.index) ^ set(performance.index))),
                )
            )
        performance = performance.reindex(importance.index)
    imp = importance.to_numpy(dtype=float)
    perf = performance.to_numpy(dtype=float)
    if np.isnan(imp).any() or np.isnan(perf).any():
        raise InputError(_("Importance and performance must not be missing."))
    if split not in ("mean", "median"):
        raise InputError(_("Split must be mean or median, got {split}.", split=split))
    centre = np.mean if split == "mean" else np.median
    i_split = float(centre(imp)) if importance_split is None else importance_split
    p_split = float(centre(perf)) if performance_split is None else performance_split
    return imp, perf, i_split, p_split
