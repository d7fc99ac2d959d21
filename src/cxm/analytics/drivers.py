"""Key driver analysis: which items move overall satisfaction (or loyalty), and by how much.

DOMAIN.md §1: a high score on one item says nothing about whether raising it raises overall
satisfaction. Driver analysis relates the items to an outcome and splits the explained
variance (R²) among them; :mod:`cxm.analytics.ipa` sets that importance against each
item's performance.

Correlated items make raw regression weights unstable and sometimes negative, so two
decompositions of R² are given that stay meaningful under collinearity: Johnson's relative
weights and the exact Shapley (LMG) decomposition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from math import factorial
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.ipa import importance_performance
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "MAX_SHAPLEY_PREDICTORS",
    "KeyDrivers",
    "R2Split",
    "key_drivers",
    "relative_weights",
    "shapley_r2",
]

#: Exact Shapley enumerates 2^p subsets; above this it is too slow to be useful.
MAX_SHAPLEY_PREDICTORS = 15

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class R2Split:
    """R² split among the items (:func:`relative_weights`, :func:`shapley_r2`): the
    ``table`` (one row per item), the model's ``r2`` and ``n`` complete rows."""

    table: pd.DataFrame
    r2: float
    n: int


def _correlations(data: pd.DataFrame, outcome: str, items: Sequence[str]) -> tuple[Matrix, int]:
    """Correlation matrix of ``[items..., outcome]`` on complete rows, and that n."""
    items = list(items)
    if not items:
        raise InputError(_("Name at least one item column."))
    if outcome in items:
        raise InputError(_("The outcome {column} is also listed as an item.", column=outcome))
    cols = [*items, outcome]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InputError(_("Unknown column: {column}", column=", ".join(missing)))
    for c in cols:
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]):
            raise InputError(_("Column {column} is not numeric.", column=c))
    block = data[cols].to_numpy(dtype=float, na_value=np.nan)
    block = block[~np.isnan(block).any(axis=1)]
    n = block.shape[0]
    if n <= len(items) + 1:
        raise InputError(_("Too few complete rows ({n}) for {k} items.", n=n, k=len(items)))
    sd = block.std(axis=0)
    if (sd == 0).any():
        const = [c for c, s in zip(cols, sd, strict=True) if s == 0]
        raise InputError(
            _("Column {column} is constant: it carries no information.", column=", ".join(const))
        )
    corr: Matrix = np.corrcoef(block, rowvar=False)
    if np.linalg.cond(corr[:-1, :-1]) > 1e12:
        raise InputError(
            _(
                "Columns {columns} are perfectly collinear: drop one of them.",
                columns=", ".join(items),
            )
        )
    return corr, n


def _relative_weights(corr: Matrix) -> Matrix:
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    out: Matrix = (lam**2) @ (beta**2)
    return out


def relative_weights(data: pd.DataFrame, outcome: str, items: Sequence[str]) -> R2Split:
    """Johnson's (2000) relative weights of ``items`` on ``outcome``.

    Parameters
    ----------
    data : DataFrame
        Rows with a missing value in the outcome or any item are dropped.
    outcome : str
        The outcome column (overall satisfaction, loyalty index…).
    items : sequence of str
        Predictor columns.

    Returns
    -------
    DataFrame
        ``item``, ``raw_weight`` (share of variance of the outcome; sums to R²) and
        ``rescaled`` (percent of R², sums to 100), as the ``table`` of an :class:`R2Split`
        with ``r2`` and ``n``.

    Notes
    -----
    With :math:`R_{xx} = V\\Lambda V'`, let :math:`\\Lambda^{*} = V\\Lambda^{1/2}V'` (the
    correlations of the items with their closest orthogonal counterparts) and
    :math:`\\beta^{*} = \\Lambda^{*-1} r_{xy}`. Then
    :math:`\\varepsilon_j = \\sum_k \\lambda^{*2}_{jk}\\beta^{*2}_k` and
    :math:`\\sum_j \\varepsilon_j = R^2`. Checked against an independent brute-force
    implementation (SVD of the standardised data) and against the Shapley decomposition's
    total in ``tests/test_drivers.py``.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research*, 35(1), 1–19.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 3))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [0.6, 0.3, 0.0])
    >>> relative_weights(df, "y", ["a", "b", "c"]).table["rescaled"].round(0).tolist()
    [80.0, 20.0, 0.0]
    """
    corr, n = _correlations(data, outcome, items)
    raw = _relative_weights(corr)
    r2 = float(raw.sum())
    out = pd.DataFrame({"item": list(items), "raw_weight": raw, "rescaled": 100 * raw / r2})
    return R2Split(table=out, r2=r2, n=n)


def _subset_r2(corr: Matrix) -> Matrix:
    """R² of every subset of predictors, indexed by bitmask (bit j = item j)."""
    p = corr.shape[0] - 1
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    r2 = np.zeros(1 << p)
    for size in range(1, p + 1):
        subsets = np.asarray(list(combinations(range(p), size)), dtype=np.int64)
        sub_xx = rxx[subsets[:, :, None], subsets[:, None, :]]
        sub_xy = rxy[subsets]
        coef = np.linalg.solve(sub_xx, sub_xy[:, :, None])[:, :, 0]
        masks = (1 << subsets).sum(axis=1)
        r2[masks] = (coef * sub_xy).sum(axis=1)
    return r2


def _shapley(corr: Matrix) -> Matrix:
    p = corr.shape[0] - 1
    if p > MAX_SHAPLEY_PREDICTORS:
        raise InputError(
            _(
                "The exact Shapley decomposition enumerates all 2^p subsets of predictors; {p} "
                "predictors are too many (at most {max}). Use relative weights (Johnson), "
                "which give nearly the same answer for any number of items, or combine items.",
                p=p,
                max=MAX_SHAPLEY_PREDICTORS,
            )
        )
    r2 = _subset_r2(corr)
    masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in masks])
    weight = np.array([factorial(s) * factorial(p - s - 1) for s in range(p)]) / factorial(p)
    out = np.empty(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        out[j] = (weight[size[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return out


def shapley_r2(data: pd.DataFrame, outcome: str, items: Sequence[str]) -> R2Split:
    """Shapley (LMG) decomposition of the regression R² over ``items`` (at most 15).

    Returns
    -------
    DataFrame
        ``item``, ``shapley`` (share of variance; sums exactly to the full model's R²) and
        ``rescaled`` (percent of R²), as the ``table`` of an :class:`R2Split` with ``r2``
        and ``n``.

    Notes
    -----
    .. math:: \\phi_j = \\sum_{S \\subseteq P\\setminus\\{j\\}}
              \\frac{|S|!\\,(p-|S|-1)!}{p!}\\bigl(R^2_{S\\cup\\{j\\}} - R^2_S\\bigr)

    the average gain in R² from adding item :math:`j` over all orders of entry (Lindeman,
    Merenda & Gold 1980; Grömping 2006 "lmg"). All :math:`2^p` subset R² come from the
    correlation matrix, :math:`R^2_S = r_S' R_{SS}^{-1} r_S`, solved in batches. Checked
    against a direct enumeration with statsmodels OLS and against pingouin's LMG
    (``linear_regression(relimp=True)``) in ``tests/test_drivers.py``.

    References
    ----------
    Grömping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *Journal of Statistical Software*, 17(1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 3))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [0.6, 0.3, 0.0])
    >>> out = shapley_r2(df, "y", ["a", "b", "c"])
    >>> bool(abs(out.table["shapley"].sum() - out.r2) < 1e-12)
    True
    """
    corr, n = _correlations(data, outcome, items)
    phi = _shapley(corr)
    r2 = float(phi.sum())
    out = pd.DataFrame({"item": list(items), "shapley": phi, "rescaled": 100 * phi / r2})
    return R2Split(table=out, r2=r2, n=n)


@dataclass(frozen=True, slots=True)
class KeyDrivers:
    """Result of :func:`key_drivers`.

    ``summary``: one row per item — ``item``, ``correlation``, ``beta`` (standardised
    regression coefficient), ``relative_weight`` and ``relative_weight_pct``, ``shapley`` and
    ``shapley_pct`` (NaN above 15 items), ``performance`` (item mean on 0–100), and the
    importance–performance columns of :func:`importance_performance`.
    ``priorities``: the same rows ranked by improvement priority.
    """

    outcome: str
    n: int
    r2: float
    summary: pd.DataFrame
    priorities: pd.DataFrame


def key_drivers(
    data: pd.DataFrame,
    outcome: str,
    items: Sequence[str],
    *,
    importance: Literal["relative_weight", "shapley", "correlation", "beta"] = "relative_weight",
    scale: tuple[float, float] | None = None,
    split: Literal["mean", "median"] = "mean",
) -> KeyDrivers:
    """Drivers of ``outcome`` among ``items``, with the importance–performance matrix.

    Parameters
    ----------
    data, outcome, items
        As in :func:`relative_weights`.
    importance : str, default "relative_weight"
        Which measure places items on the importance axis.
    scale : (low, high), optional
        The answer scale of the items, used to put performance (the item mean) on 0–100:
        ``100·(mean − low)/(high − low)``. Default: the lowest and highest answer seen.
    split : {"mean", "median"}
        Where the matrix is split into quadrants.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, size=(300, 3)).astype(float)
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [0.6, 0.3, 0.1])
    >>> key_drivers(df, "y", ["a", "b", "c"]).priorities["item"].iloc[0]
    'a'
    """
    corr, n = _correlations(data, outcome, items)
    p = len(items)
    rw = _relative_weights(corr)
    r2 = float(rw.sum())
    phi = _shapley(corr) if p <= MAX_SHAPLEY_PREDICTORS else np.full(p, np.nan)
    beta = np.linalg.solve(corr[:-1, :-1], corr[:-1, -1])
    complete = data[[*items, outcome]].dropna()
    means = complete[list(items)].mean().to_numpy()
    low, high = scale or (
        float(complete[list(items)].min().min()),
        float(complete[list(items)].max().max()),
    )
    if high <= low:
        raise InputError(_("The scale must run from a low to a higher answer."))
    performance = 100 * (means - low) / (high - low)
    table = pd.DataFrame(
        {
            "item": list(items),
            "correlation": corr[:-1, -1],
            "beta": beta,
            "relative_weight": rw,
            "relative_weight_pct": 100 * rw / r2,
            "shapley": phi,
            "shapley_pct": 100 * phi / r2,
            "performance": performance,
        }
    )
    chosen = pd.Series(table[importance].to_numpy(), index=pd.Index(list(items)))
    ipa = importance_performance(
        chosen, pd.Series(performance, index=pd.Index(list(items))), split=split
    )
    ipa_cols = ["quadrant", "quadrant_label", "gap", "priority", "priority_rank"]
    summary = table.merge(ipa[["item", *ipa_cols]], on="item", how="left")
    priorities = summary.sort_values("priority_rank", kind="stable").reset_index(drop=True)
    return KeyDrivers(outcome=outcome, n=n, r2=r2, summary=summary, priorities=priorities)
