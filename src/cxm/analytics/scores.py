"""Satisfaction scores per item and per group: CSAT, the 100-point score and the mean.

DOMAIN.md §4: on the five-point scale (1 very dissatisfied … 5 very satisfied) **CSAT** is
the share answering 4 or 5; the documents' **100-point score** weights the answer shares
by 100 / 80 / 60 / 30 / 0; "don't know" and missing answers are left out. Every function
takes ``data=`` plus item columns and an optional ``by=`` grouping (segment, wave,
touchpoint, team…) and returns one tidy row per (group, item). A group with fewer than
``min_n`` valid answers gets NaN and ``suppressed=True`` with the reason "too few answers",
never a number from three answers. NPS and effort live in :mod:`cxm.analytics.scores_nps`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics._counts import AnswerCounts, ByArg, CodesArg, as_codes, count_answers, groups
from cxm.analytics._intervals import Array, t_interval, wilson
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "FIVE_POINT",
    "HUNDRED_POINT_WEIGHTS",
    "csat",
    "mean_score",
    "score_100",
    "scores",
    "suppress",
]

#: The five-point satisfaction scale: 1 very dissatisfied … 5 very satisfied.
FIVE_POINT: tuple[int, ...] = (1, 2, 3, 4, 5)

#: The documents' points per answer: very satisfied 100, satisfied 80, basically
#: satisfied 60, not very satisfied 30, dissatisfied 0.
HUNDRED_POINT_WEIGHTS: Mapping[float, float] = {5: 100.0, 4: 80.0, 3: 60.0, 2: 30.0, 1: 0.0}


def suppress(table: pd.DataFrame, n: Array, min_n: int, columns: Sequence[str]) -> pd.DataFrame:
    """Blank ``columns`` where ``n < min_n``; add ``suppressed`` and ``reason``."""
    if min_n < 1:
        raise InputError(_("The minimum number of answers must be at least 1, got {n}.", n=min_n))
    hide = np.asarray(n) < min_n
    table.loc[hide, list(columns)] = np.nan
    table["suppressed"] = hide
    empty = np.asarray(n) == 0
    reasons: list[str | None] = [
        (_("no answers") if e else _("too few answers")) if h else None
        for h, e in zip(hide.tolist(), empty.tolist(), strict=True)
    ]
    table["reason"] = pd.Series(reasons, index=table.index, dtype="object")
    return table


def _flat(values: npt.NDArray[Any]) -> Array:
    """(items, groups) → items × groups flattened in :meth:`AnswerCounts.frame` order."""
    return np.asarray(values, dtype=float).reshape(-1)


def _point_stats(
    counts: AnswerCounts, points: Array, confidence: float
) -> tuple[Array, Array, Array, Array]:
    """Mean, sd, and t interval of ``points[answer]`` per item and group, from the counts."""
    c = counts.counts.astype(float)
    n = c.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = c @ points / n
        ss = c @ (points**2) - n * mean**2
        sd = np.sqrt(np.maximum(ss, 0.0) / (n - 1))
        se = sd / np.sqrt(n)
    low, high = t_interval(mean, se, n, confidence)
    return mean, sd, low, high


def _weights_vector(counts: AnswerCounts, weights: Mapping[float, float]) -> Array:
    return np.asarray([float(weights[v]) for v in counts.scale.tolist()])


def _scale_points(weights: Mapping[float, float]) -> list[float]:
    if not weights:
        raise InputError(_("The 100-point weights are empty."))
    return [float(k) for k in weights]


def scores(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    top: Sequence[float] = (4, 5),
    weights: Mapping[float, float] = HUNDRED_POINT_WEIGHTS,
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """CSAT, the 100-point score and the mean, per item and group, in one pass.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : sequence of str
        Item columns answered on the scale given by the keys of ``weights`` (default 1–5).
    by : str or sequence of str, optional
        Grouping columns; one output row per (group, item). Missing keys form their own group.
    top : sequence of numbers, default (4, 5)
        The answers counted as satisfied for CSAT.
    weights : mapping answer → points, default :data:`HUNDRED_POINT_WEIGHTS`
        Points per answer for the 100-point score; its keys define the scale.
    dont_know : number or sequence of numbers, optional
        Codes meaning "don't know" (e.g. 0 or 6); left out like missing answers and counted
        in ``n_dont_know``. Any other value off the scale is an error.
    min_n : int, default 30
        Groups with fewer valid answers are suppressed.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Group columns, ``item``, ``n`` (valid answers), ``n_dont_know``, ``csat`` with
        ``csat_ci_low``/``csat_ci_high`` (shares 0–1, Wilson interval), ``score_100`` with
        ``score_100_ci_low``/``score_100_ci_high`` (t interval, clipped to 0–100), ``mean``,
        ``sd``, ``mean_ci_low``/``mean_ci_high``, ``suppressed``, ``reason``.

    Notes
    -----
    With :math:`n_k` answers of code :math:`k` and :math:`n=\\sum_k n_k`:
    :math:`\\mathrm{CSAT} = \\sum_{k\\in top} n_k / n`;
    :math:`S_{100} = \\sum_k w_k n_k / n` (the mean of the per-answer points :math:`w_k`, so
    its standard error is :math:`s_w/\\sqrt n` with :math:`s_w` the sd of the points);
    mean :math:`\\bar x = \\sum_k k\\,n_k / n` with a Student-t interval. The Wilson interval
    is checked against statsmodels ``proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA*, 22(158), 209–212.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [5, 4, 4, 3, 1, 5, 6], "seg": list("aaaabbb")})
    >>> out = scores(df, ["q"], dont_know=6, min_n=2)
    >>> out[["n", "n_dont_know", "csat", "score_100", "mean"]].round(2).to_dict("records")
    [{'n': 6, 'n_dont_know': 1, 'csat': 0.67, 'score_100': 70.0, 'mean': 3.67}]
    """
    counts = count_answers(data, items, scale=_scale_points(weights), by=by, dont_know=dont_know)
    table = counts.frame()
    n = _flat(counts.n)
    table["n"] = counts.n.reshape(-1)
    table["n_dont_know"] = counts.dont_know.reshape(-1)
    top_mask = np.isin(counts.scale, as_codes(list(top)))
    if not top_mask.any():
        raise InputError(_("None of the top answers {top} is on the scale.", top=list(top)))
    hits = _flat(counts.counts[:, :, top_mask].sum(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["csat"] = hits / n
    low, high = wilson(hits, n, confidence)
    table["csat_ci_low"], table["csat_ci_high"] = low, high
    mean, _sd, low, high = _point_stats(counts, _weights_vector(counts, weights), confidence)
    table["score_100"] = _flat(mean)
    table["score_100_ci_low"] = np.clip(_flat(low), 0, 100)
    table["score_100_ci_high"] = np.clip(_flat(high), 0, 100)
    mean, sd, low, high = _point_stats(counts, counts.scale, confidence)
    table["mean"], table["sd"] = _flat(mean), _flat(sd)
    table["mean_ci_low"], table["mean_ci_high"] = _flat(low), _flat(high)
    stats_cols = [c for c in table.columns if c.startswith(("csat", "score_100", "mean", "sd"))]
    return suppress(table, n, min_n, stats_cols)


def csat(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    top: Sequence[float] = (4, 5),
    scale: Sequence[float] = FIVE_POINT,
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """CSAT: the share answering ``top`` (4 or 5), with a Wilson interval, per item and group.

    Returns group columns, ``item``, ``n``, ``n_dont_know``, ``csat``, ``ci_low``,
    ``ci_high``, ``suppressed``, ``reason``. See :func:`scores` for the parameters, formula
    and reference.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [5, 4, 4, 3, 1, 2, 5, 5]})
    >>> csat(df, ["q"], min_n=5)[["n", "csat", "ci_low", "ci_high"]].round(3).to_dict("records")
    [{'n': 8, 'csat': 0.625, 'ci_low': 0.306, 'ci_high': 0.863}]
    """
    weights = {float(v): 0.0 for v in scale}
    out = scores(
        data,
        items,
        by=by,
        top=top,
        weights=weights,
        dont_know=dont_know,
        min_n=min_n,
        confidence=confidence,
    )
    keep = [c for c in out.columns if not c.startswith(("score_100", "mean", "sd"))]
    return out[keep].rename(columns={"csat_ci_low": "ci_low", "csat_ci_high": "ci_high"})


def score_100(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    weights: Mapping[float, float] = HUNDRED_POINT_WEIGHTS,
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The documents' 100-point score (100/80/60/30/0 over answer shares) per item and group.

    Returns group columns, ``item``, ``n``, ``n_dont_know``, ``score_100``, ``ci_low``,
    ``ci_high``, ``suppressed``, ``reason``. See :func:`scores` for the formula.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [5, 4, 3, 2, 1, 0]})
    >>> score_100(df, ["q"], dont_know=0, min_n=1)[["n", "score_100"]].to_dict("records")
    [{'n': 5, 'score_100': 54.0}]
    """
    out = scores(
        data,
        items,
        by=by,
        weights=weights,
        dont_know=dont_know,
        min_n=min_n,
        confidence=confidence,
        top=[next(iter(weights))],
    )
    keep = [c for c in out.columns if not c.startswith(("csat", "mean", "sd"))]
    return out[keep].rename(columns={"score_100_ci_low": "ci_low", "score_100_ci_high": "ci_high"})


def mean_score(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean of any numeric item (scale or continuous) with a Student-t interval.

    Returns group columns, ``item``, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``,
    ``suppressed``, ``reason``. ``dont_know`` codes and missing values are left out.

    Notes
    -----
    :math:`\\bar x \\pm t_{n-1,\\,1-\\alpha/2}\\, s/\\sqrt n`, checked against
    ``scipy.stats.t.interval``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [1.0, 2.0, 3.0, 4.0]})
    >>> mean_score(df, ["q"], min_n=2)[["n", "mean", "ci_low"]].round(3).to_dict("records")
    [{'n': 4, 'mean': 2.5, 'ci_low': 0.446}]
    """
    codes, keys = groups(data, by)
    dk = as_codes(dont_know)
    g = len(keys)
    parts: list[pd.DataFrame] = []
    for item in items:
        if item not in data.columns:
            raise InputError(_("Unknown column: {column}", column=item))
        if not pd.api.types.is_numeric_dtype(data[item]) or pd.api.types.is_bool_dtype(data[item]):
            raise InputError(_("Column {column} is not numeric.", column=item))
        x = data[item].to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(x) & ~np.isin(x, dk)
        c, v = codes[ok], x[ok]
        n = np.bincount(c, minlength=g).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(c, weights=v, minlength=g) / n
            ss = np.bincount(c, weights=(v - mean[c]) ** 2, minlength=g)
            sd = np.sqrt(ss / (n - 1))
            low, high = t_interval(mean, sd / np.sqrt(n), n, confidence)
        part = keys.copy()
        part["item"] = item
        part["n"] = n.astype(np.int64)
        part["mean"], part["sd"], part["ci_low"], part["ci_high"] = mean, sd, low, high
        parts.append(part)
    if not parts:
        raise InputError(_("Name at least one item column."))
    table = pd.concat(parts, ignore_index=True)
    return suppress(table, table["n"].to_numpy(), min_n, ["mean", "sd", "ci_low", "ci_high"])
