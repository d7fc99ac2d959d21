"""Change of a score between two survey waves, with a significance test and an effect size.

DOMAIN.md §1: customer needs change, so surveys run periodically and the firm improves
continuously — which needs to tell a real change from noise. :func:`compare_waves` compares
two waves per item and group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from cxm.analytics._counts import ByArg, CodesArg, as_codes, as_list, count_answers
from cxm.analytics._intervals import Array, newcombe_difference, z_value
from cxm.analytics.scores import FIVE_POINT, HUNDRED_POINT_WEIGHTS, suppress
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["compare_waves"]

Metric = Literal["csat", "score_100", "mean", "nps"]


def _points(
    metric: Metric,
    *,
    top: Sequence[float],
    weights: Mapping[float, float],
    scale: Sequence[float] | None,
    promoters: Sequence[float],
    detractors: Sequence[float],
) -> tuple[list[float], Array]:
    """The scale and the points each answer scores for ``metric``."""
    if metric == "csat":
        s = np.asarray(list(scale or FIVE_POINT), dtype=float)
        return s.tolist(), np.isin(s, as_codes(list(top))).astype(float)
    if metric == "score_100":
        return [float(k) for k in weights], np.asarray(list(weights.values()), dtype=float)
    if metric == "mean":
        s = np.asarray(list(scale or FIVE_POINT), dtype=float)
        return s.tolist(), s
    if metric == "nps":
        s = np.asarray(list(scale or range(11)), dtype=float)
        pts = 100.0 * np.isin(s, as_codes(list(promoters))) - 100.0 * np.isin(
            s, as_codes(list(detractors))
        )
        return s.tolist(), pts
    raise InputError(_("Unknown metric {metric}: use csat, score_100, mean or nps.", metric=metric))


def _wave(
    data: pd.DataFrame,
    items: Sequence[str],
    by: list[str],
    scale: list[float],
    points: Array,
    dont_know: CodesArg,
) -> pd.DataFrame:
    counts = count_answers(data, items, scale=scale, by=by or None, dont_know=dont_know)
    c = counts.counts.astype(float)
    order = np.argsort(np.asarray(scale))  # count_answers sorts the scale
    pts = points[order]
    n = c.sum(axis=2).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c @ pts).reshape(-1) / n
        var_pop = np.maximum((c @ pts**2).reshape(-1) / n - mean**2, 0.0)
    out = counts.frame()
    out["n"], out["value"], out["var_pop"] = n, mean, var_pop
    return out


def compare_waves(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    wave: str,
    before: Any,
    after: Any,
    metric: Metric = "csat",
    by: ByArg = None,
    top: Sequence[float] = (4, 5),
    weights: Mapping[float, float] = HUNDRED_POINT_WEIGHTS,
    scale: Sequence[float] | None = None,
    promoters: Sequence[float] = (9, 10),
    detractors: Sequence[float] = (0, 1, 2, 3, 4, 5, 6),
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference of a score between wave ``before`` and wave ``after`` (after − before).

    Parameters
    ----------
    data : DataFrame
        Both waves, told apart by column ``wave``.
    items : sequence of str
    wave : str
        The wave column; ``before`` and ``after`` are two of its values.
    metric : {"csat", "score_100", "mean", "nps"}
        CSAT (share 0–1), the 100-point score, the mean on ``scale`` (default 1–5), or NPS
        (−100…100, ``scale`` default 0–10).
    by : str or sequence of str, optional
        Grouping columns; each group is compared with itself.
    Other parameters as in :func:`cxm.analytics.scores.scores` and
    :func:`cxm.analytics.scores_nps.nps`; a group with fewer than ``min_n`` answers in
    either wave is suppressed.

    Returns
    -------
    DataFrame
        Group columns, ``item``, ``n_before``, ``before``, ``n_after``, ``after``,
        ``difference``, ``ci_low``, ``ci_high``, ``statistic``, ``p_value``, ``test``,
        ``effect_size``, ``effect_size_kind``, ``suppressed``, ``reason``.

    Notes
    -----
    * CSAT: two-proportion z-test with the pooled proportion,
      :math:`z = (p_2-p_1)/\\sqrt{\\bar p(1-\\bar p)(1/n_1+1/n_2)}`; Newcombe (1998) hybrid
      score interval; Cohen's :math:`h = 2\\arcsin\\sqrt{p_2} - 2\\arcsin\\sqrt{p_1}`.
      Checked against statsmodels ``proportions_ztest``, ``confint_proportions_2indep(
      method="newcomb")`` and ``proportion_effectsize``.
    * Mean and 100-point score: Welch's t-test and interval with Welch–Satterthwaite degrees
      of freedom; Hedges' :math:`g = d\\,(1 - 3/(4(n_1+n_2)-9))` with the pooled sd.
      Checked against ``scipy.stats.ttest_ind(equal_var=False)`` and
      ``pingouin.compute_effsize(eftype="hedges")``.
    * NPS: Wald z on the difference with the trinomial variances (Rocks 2016); effect size
      Cohen's d of the per-answer scores (+1/0/−1).

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions. *Statistics in Medicine*, 17, 873–890. Cohen, J. (1988). *Statistical Power
    Analysis for the Behavioral Sciences* (2nd ed.). Welch, B. L. (1947). *Biometrika* 34.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"wave": [1] * 100 + [2] * 100,
    ...                    "q": [5] * 60 + [2] * 40 + [5] * 75 + [2] * 25})
    >>> out = compare_waves(df, ["q"], wave="wave", before=1, after=2)
    >>> out[["before", "after", "difference", "p_value"]].round(3).to_dict("records")
    [{'before': 0.6, 'after': 0.75, 'difference': 0.15, 'p_value': 0.024}]
    """
    if wave not in data.columns:
        raise InputError(_("Unknown column: {column}", column=wave))
    by_cols = as_list(by)
    scale_pts, points = _points(
        metric, top=top, weights=weights, scale=scale, promoters=promoters, detractors=detractors
    )
    frames = []
    for label in (before, after):
        subset = data[data[wave] == label]
        if subset.empty:
            raise InputError(
                _("Wave {wave} has no rows in column {column}.", wave=label, column=wave)
            )
        frames.append(_wave(subset, items, by_cols, scale_pts, points, dont_know))
    from scipy import stats  # here, not at the top: importing it takes most of a second

    keys = [*by_cols, "item"]
    m = frames[0].merge(frames[1], on=keys, how="outer", suffixes=("_1", "_2"), sort=True)
    n1, n2 = m["n_1"].fillna(0).to_numpy(), m["n_2"].fillna(0).to_numpy()
    v1, v2 = m["value_1"].to_numpy(), m["value_2"].to_numpy()
    s1, s2 = m["var_pop_1"].to_numpy(), m["var_pop_2"].to_numpy()
    diff = v2 - v1
    table = m[keys].copy()
    table["n_before"], table["before"] = n1.astype(np.int64), v1
    table["n_after"], table["after"] = n2.astype(np.int64), v2
    table["difference"] = diff
    with np.errstate(invalid="ignore", divide="ignore"):
        if metric == "csat":
            low, high = newcombe_difference(v1 * n1, n1, v2 * n2, n2, confidence)
            pooled = (v1 * n1 + v2 * n2) / (n1 + n2)
            stat = diff / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            p = 2 * stats.norm.sf(np.abs(stat))
            effect = 2 * np.arcsin(np.sqrt(v2)) - 2 * np.arcsin(np.sqrt(v1))
            test, kind = "two-proportion z", "cohen_h"
        elif metric == "nps":
            se = np.sqrt(s1 / n1 + s2 / n2)
            stat = diff / se
            p = 2 * stats.norm.sf(np.abs(stat))
            z = z_value(confidence)
            low, high = diff - z * se, diff + z * se
            sp = np.sqrt((n1 * s1 + n2 * s2) / (n1 + n2 - 2))
            effect = diff / sp
            test, kind = "z", "cohen_d"
        else:
            q1, q2 = s1 * n1 / (n1 - 1), s2 * n2 / (n2 - 1)  # sample variances
            se = np.sqrt(q1 / n1 + q2 / n2)
            df = se**4 / ((q1 / n1) ** 2 / (n1 - 1) + (q2 / n2) ** 2 / (n2 - 1))
            stat = diff / se
            p = 2 * stats.t.sf(np.abs(stat), df)
            t = stats.t.ppf(0.5 + confidence / 2, df)
            low, high = diff - t * se, diff + t * se
            sp = np.sqrt(((n1 - 1) * q1 + (n2 - 1) * q2) / (n1 + n2 - 2))
            effect = diff / sp * (1 - 3 / (4 * (n1 + n2) - 9))
            test, kind = "Welch t", "hedges_g"
    table["ci_low"], table["ci_high"] = low, high
    table["statistic"], table["p_value"] = stat, p
    table["test"] = test
    table["effect_size"], table["effect_size_kind"] = effect, kind
    hidden = [
        "before",
        "after",
        "difference",
        "ci_low",
        "ci_high",
        "statistic",
        "p_value",
        "effect_size",
    ]
    return suppress(table, np.minimum(n1, n2), min_n, hidden)
