"""Overall satisfaction index from many items, on 0–100, two of the documents' three ways.

DOMAIN.md §4 lists three methods in rising rigour: (1) a weighted average with each item's
relative importance as weight, (2) principal component analysis, (3) a structural equation
model (PLS, the ACSI/ECSI/CCSI method). This module gives (1) and (2); (3) is the PLS
engine's ``construct_indices_``.

Each item is first put on 0–100, ``100·(x − low)/(high − low)``, and the index is a weighted
mean of those with non-negative weights summing to 1 — so it always lies in 0–100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics._counts import ByArg, as_list
from cxm.analytics._intervals import t_interval
from cxm.analytics.drivers import relative_weights
from cxm.analytics.scores import suppress
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["SatisfactionIndex", "importance_index", "index_methods", "pca_index"]


@dataclass(frozen=True, slots=True)
class SatisfactionIndex:
    """An overall index: the weights used, per respondent and per group.

    ``method``: how the weights were set; ``weights``: per item, ≥ 0, summing to 1;
    ``respondents``: the index per row of the input (same index; NaN where no item was
    answered); ``groups``: group columns, ``n``, ``index``, ``ci_low``, ``ci_high``,
    ``suppressed``, ``reason`` (one row, no group columns, without ``by``);
    ``explained_variance``: the first component's share of variance (PCA only).
    """

    method: str
    weights: pd.Series
    respondents: pd.Series
    groups: pd.DataFrame
    explained_variance: float | None = None


def _rescaled(
    data: pd.DataFrame, items: Sequence[str], scale: tuple[float, float], *, min_items: int = 2
) -> npt.NDArray[np.float64]:
    """Items as 0–100 scores, ``100·(x − low)/(high − low)``; errors for off-scale answers."""
    items = list(items)
    if len(items) < min_items:
        raise InputError(_("An index needs at least two items."))
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise InputError(_("Unknown column: {column}", column=", ".join(missing)))
    for c in items:
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]):
            raise InputError(_("Column {column} is not numeric.", column=c))
    low, high = scale
    if high <= low:
        raise InputError(_("The scale must run from a low to a higher answer."))
    x = data[items].to_numpy(dtype=float, na_value=np.nan)
    off = (x < low) | (x > high)
    if off.any():
        r, c = np.argwhere(off)[0]
        raise InputError(
            _(
                "Row {row}, column {column}: {value} is outside the scale {low}–{high}; "
                "set don't-know codes to missing first.",
                row=int(r) + 1,
                column=items[c],
                value=x[r, c],
                low=low,
                high=high,
            )
        )
    out: npt.NDArray[np.float64] = 100 * (x - low) / (high - low)
    return out


def _weighted_mean(
    x: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Row-wise weighted mean; a missing item drops out and the other weights are rescaled."""
    answered = ~np.isnan(x)
    wsum = answered.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.where(answered, x, 0.0) @ w / wsum
    out: npt.NDArray[np.float64] = np.where(wsum > 0, np.clip(idx, 0.0, 100.0), np.nan)
    return out


def _combine(
    data: pd.DataFrame,
    items: Sequence[str],
    weights: npt.NDArray[np.float64],
    *,
    method: str,
    scale: tuple[float, float],
    by: ByArg,
    min_n: int,
    confidence: float,
    explained: float | None = None,
) -> SatisfactionIndex:
    if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
        raise InputError(_("Item weights must be non-negative numbers, not all zero."))
    w = weights / weights.sum()
    idx = _weighted_mean(_rescaled(data, items, scale), w)
    respondents = pd.Series(idx, index=data.index, name="index")
    frame = data[as_list(by)].copy() if by is not None else pd.DataFrame(index=data.index)
    frame["index"] = idx
    cols = as_list(by)
    if cols:
        grouped = frame.groupby(cols, sort=True, observed=True, dropna=False)["index"]
        agg = grouped.agg(["count", "mean", "std"]).reset_index()
    else:
        s = frame["index"]
        agg = pd.DataFrame({"count": [s.count()], "mean": [s.mean()], "std": [s.std()]})
    n = agg["count"].to_numpy(dtype=float)
    mean = agg["mean"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = t_interval(mean, agg["std"].to_numpy(dtype=float) / np.sqrt(n), n, confidence)
    groups = agg[cols].copy()
    groups["n"] = n.astype(np.int64)
    groups["index"] = mean
    groups["ci_low"], groups["ci_high"] = np.clip(low, 0, 100), np.clip(high, 0, 100)
    groups = suppress(groups, n, min_n, ["index", "ci_low", "ci_high"])
    return SatisfactionIndex(
        method=method,
        weights=pd.Series(w, index=pd.Index(list(items)), name="weight"),
        respondents=respondents,
        groups=groups,
        explained_variance=explained,
    )


def importance_index(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    importance: Mapping[str, float] | pd.Series | None = None,
    overall: str | None = None,
    derive: Literal["correlation", "regression", "relative_weight"] = "correlation",
    scale: tuple[float, float] = (1, 5),
    by: ByArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> SatisfactionIndex:
    """Importance-weighted satisfaction index on 0–100.

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
        Item columns on ``scale``; don't-know codes must be missing (NaN).
    importance : mapping item → weight, optional
        Stated importance (e.g. the mean answer to "how important is …"). If omitted, it is
        derived from ``overall``.
    overall : str, optional
        An overall-satisfaction column to derive importance from, by ``derive``:
        ``"correlation"`` (Pearson r of the item with overall), ``"regression"`` (the
        standardised multiple-regression coefficient) or ``"relative_weight"`` (Johnson).
        Negative derived importances are set to 0 (an item that lowers overall satisfaction
        as it rises is better left out than given negative weight).
    scale : (low, high), default (1, 5)
    by : str or sequence of str, optional
        Grouping for the per-group index.
    min_n, confidence
        Suppression and the t interval of the per-group mean.

    Returns
    -------
    SatisfactionIndex

    Notes
    -----
    :math:`I_i = \\sum_j w_j\\, 100\\,(x_{ij}-L)/(H-L) \\big/ \\sum_{j \\in A_i} w_j` over
    the items :math:`A_i` respondent :math:`i` answered, with :math:`w_j \\ge 0`. Stated
    importance weighting is DOMAIN.md §4 method (1); see also Fornell et al. (1996).

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index. *Journal of Marketing*, 60(4), 7–18.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [5, 1, 3], "b": [5, 1, 5]})
    >>> res = importance_index(df, ["a", "b"], importance={"a": 3, "b": 1}, min_n=1)
    >>> res.respondents.tolist(), res.weights.tolist()
    ([100.0, 0.0, 62.5], [0.75, 0.25])
    """
    items = list(items)
    if importance is not None:
        stated = pd.Series(importance, dtype=float)
        missing = [c for c in items if c not in stated.index]
        if missing:
            raise InputError(_("No importance given for item {item}.", item=", ".join(missing)))
        w = stated.reindex(items).to_numpy(dtype=float)
        method = "stated importance"
    elif overall is not None:
        rw = relative_weights(data, overall, items)  # validates columns and collinearity
        complete = data[[*items, overall]].dropna()
        if derive == "correlation":
            w = complete[items].corrwith(complete[overall]).to_numpy(dtype=float)
        elif derive == "regression":
            corr = complete.corr().to_numpy()
            w = np.linalg.solve(corr[:-1, :-1], corr[:-1, -1])
        elif derive == "relative_weight":
            w = rw.table["raw_weight"].to_numpy(dtype=float)
        else:
            raise InputError(
                _(
                    "Unknown way to derive importance {derive}: use correlation, regression or "
                    "relative_weight.",
                    derive=derive,
                )
            )
        w = np.clip(w, 0.0, None)
        method = f"derived importance ({derive} with {overall})"
    else:
        raise InputError(_("Give stated importance, or an overall item to derive it from."))
    return _combine(
        data, items, w, method=method, scale=scale, by=by, min_n=min_n, confidence=confidence
    )


def pca_index(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    scale: tuple[float, float] = (1, 5),
    by: ByArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> SatisfactionIndex:
    """Satisfaction index on 0–100 weighted by the first principal component's loadings.

    Parameters as in :func:`importance_index`.

    Notes
    -----
    The first eigenvector :math:`v_1` (eigenvalue :math:`\\lambda_1`) of the items'
    correlation matrix on complete rows gives loadings :math:`\\ell_j = v_{1j}\\sqrt{\\lambda_1}`
    (sign chosen so that their sum is positive). Weights are
    :math:`w_j = \\max(\\ell_j, 0) / \\sum_k \\max(\\ell_k, 0)`, applied to the 0–100 item scores
    as in :func:`importance_index`. ``explained_variance`` is :math:`\\lambda_1 / p`. This is
    DOMAIN.md §4 method (2); the component is checked against ``sklearn.decomposition.PCA``
    on standardised items.

    References
    ----------
    Jolliffe, I. T. (2002). *Principal Component Analysis* (2nd ed.), Springer, ch. 2.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=300)
    >>> df = pd.DataFrame({c: np.clip(np.round(3 + f + rng.normal(size=300)), 1, 5)
    ...                    for c in "abc"})
    >>> res = pca_index(df, ["a", "b", "c"])
    >>> bool(res.respondents.between(0, 100).all()), round(float(res.weights.sum()), 6)
    (True, 1.0)
    """
    x = _rescaled(data, items, scale)
    complete = x[~np.isnan(x).any(axis=1)]
    if complete.shape[0] < 3:
        raise InputError(
            _("Too few complete rows ({n}) for {k} items.", n=complete.shape[0], k=len(items))
        )
    if (complete.std(axis=0) == 0).any():
        raise InputError(
            _(
                "Column {column} is constant: it carries no information.",
                column=", ".join(
                    c for c, s in zip(items, complete.std(axis=0), strict=True) if s == 0
                ),
            )
        )
    evals, evecs = np.linalg.eigh(np.corrcoef(complete, rowvar=False))
    lam, v = evals[-1], evecs[:, -1]
    loadings = v * np.sqrt(lam)
    if loadings.sum() < 0:
        loadings = -loadings
    w = np.clip(loadings, 0.0, None)
    return _combine(
        data,
        items,
        w,
        method="first principal component",
        scale=scale,
        by=by,
        min_n=min_n,
        confidence=confidence,
        explained=float(lam / len(items)),
    )


def index_methods(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    overall: str | None = None,
    stated: Mapping[str, str] | None = None,
    scale: tuple[float, float] = (1, 5),
    min_n: int = 30,
) -> pd.DataFrame:
    """The overall index by each of the documents' methods that the data allow, side by side
    (PLS, method 3, comes from the model): ``method, index, ci_low, ci_high, n, weights``.

    - ``importance (derived)``: method 1 with Johnson relative weights on ``overall``;
    - ``importance (stated)``: method 1 with each item's mean stated importance, where
      ``stated`` maps an item to the column asking how important it is;
    - ``pca``: method 2, first principal component (``explained_variance`` in the row).
    """
    rows = []

    def add(name: str, res: SatisfactionIndex) -> None:
        g = res.groups.iloc[0]
        rows.append(
            {
                "method": name,
                "index": g["index"],
                "ci_low": g["ci_low"],
                "ci_high": g["ci_high"],
                "n": int(g["n"]),
                "weights": {k: round(float(v), 4) for k, v in res.weights.items()},
                "explained_variance": res.explained_variance,
            }
        )

    if overall is not None:
        add(
            "importance (derived)",
            importance_index(
                data, items, overall=overall, derive="relative_weight", scale=scale, min_n=min_n
            ),
        )
    if stated:
        missing = [c for c in items if c not in stated or stated[c] not in data]
        if missing:
            raise InputError(_("No importance given for item {item}.", item=", ".join(missing)))
        means = {c: float(pd.to_numeric(data[stated[c]], errors="coerce").mean()) for c in items}
        add(
            "importance (stated)",
            importance_index(data, items, importance=means, scale=scale, min_n=min_n),
        )
    add("pca", pca_index(data, items, scale=scale, min_n=min_n))
    return pd.DataFrame(rows)
