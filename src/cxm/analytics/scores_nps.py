"""Net Promoter Score and customer effort score per item and group.

NPS (Reichheld 2003) asks "how likely are you to recommend us?" on 0–10: promoters answer
9–10, detractors 0–6, and NPS = % promoters − % detractors (−100…100). The customer effort
score (CES 2.0, Dixon et al. 2010) asks on 1–7 how much the firm made it easy; its mean and
the share of low-effort answers are reported. Same shape and suppression as
:mod:`cxm.analytics.scores`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxm.analytics._counts import ByArg, CodesArg, as_codes, count_answers
from cxm.analytics._intervals import t_interval, wilson, z_value
from cxm.analytics.scores import suppress
from cxm.errors import InputError
from cxm.i18n import _

__all__ = ["effort_score", "nps"]


def nps(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    promoters: Sequence[float] = (9, 10),
    detractors: Sequence[float] = (0, 1, 2, 3, 4, 5, 6),
    scale: Sequence[float] = tuple(range(11)),
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Net Promoter Score with a confidence interval, per item and group.

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
        Recommend items answered on ``scale`` (default 0–10).
    by : str or sequence of str, optional
        Grouping columns.
    promoters, detractors : sequences of answers
        Default 9–10 and 0–6; the rest are passives.
    scale : sequence of answers, default 0..10
    dont_know : number or sequence, optional
        Codes left out like missing answers (e.g. 11 or 99).
    min_n : int, default 30
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Group columns, ``item``, ``n``, ``n_dont_know``, ``promoters``, ``passives``,
        ``detractors`` (shares 0–1), ``nps`` (−100…100), ``se`` (in NPS points), ``ci_low``,
        ``ci_high``, ``suppressed``, ``reason``.

    Notes
    -----
    Each answer scores +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 × their mean.
    With shares :math:`p, d` the trinomial variance of one answer is
    :math:`p + d - (p-d)^2`, so :math:`SE = 100\\sqrt{(p + d - (p-d)^2)/n}` and the interval is
    :math:`NPS \\pm z\\,SE`, clipped to ±100 (Rocks 2016). Checked against a hand-computed
    example in ``tests/test_scores_nps.py``.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
    81(12), 46–54. Rocks, B. (2016). Interval estimation for the "net promoter score".
    *The American Statistician*, 70(4), 365–372.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec": [10, 9, 9, 8, 7, 6, 3, 10, 10, 0]})
    >>> nps(df, ["rec"], min_n=5)[["n", "promoters", "detractors", "nps"]].to_dict("records")
    [{'n': 10, 'promoters': 0.5, 'detractors': 0.3, 'nps': 20.0}]
    """
    counts = count_answers(data, items, scale=scale, by=by, dont_know=dont_know)
    pro_mask = np.isin(counts.scale, as_codes(list(promoters)))
    det_mask = np.isin(counts.scale, as_codes(list(detractors)))
    if (pro_mask & det_mask).any():
        raise InputError(_("An answer cannot be both a promoter and a detractor."))
    table = counts.frame()
    c = counts.counts
    n = c.sum(axis=2).reshape(-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = c[:, :, pro_mask].sum(axis=2).reshape(-1) / n
        d = c[:, :, det_mask].sum(axis=2).reshape(-1) / n
        se = 100 * np.sqrt((p + d - (p - d) ** 2) / n)
    score = 100 * (p - d)
    z = z_value(confidence)
    table["n"] = n.astype(np.int64)
    table["n_dont_know"] = counts.dont_know.reshape(-1)
    table["promoters"], table["passives"], table["detractors"] = p, 1 - p - d, d
    table["nps"], table["se"] = score, se
    table["ci_low"] = np.clip(score - z * se, -100, 100)
    table["ci_high"] = np.clip(score + z * se, -100, 100)
    hide = ["promoters", "passives", "detractors", "nps", "se", "ci_low", "ci_high"]
    return suppress(table, n, min_n, hide)


def effort_score(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    by: ByArg = None,
    scale: Sequence[float] = (1, 2, 3, 4, 5, 6, 7),
    low_effort: Sequence[float] = (5, 6, 7),
    dont_know: CodesArg = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Customer effort score: mean on 1–7 and the share of low-effort answers.

    Parameters
    ----------
    low_effort : sequence of answers, default (5, 6, 7)
        The answers that mean "easy". The default fits CES 2.0 ("the company made it easy
        for me", 1 strongly disagree … 7 strongly agree); for the older wording where 1 means
        very low effort, pass ``low_effort=(1, 2, 3)``.
    Others as in :func:`nps`.

    Returns
    -------
    DataFrame
        Group columns, ``item``, ``n``, ``n_dont_know``, ``mean``, ``mean_ci_low``,
        ``mean_ci_high`` (Student t), ``low_effort`` (share), ``low_effort_ci_low``,
        ``low_effort_ci_high`` (Wilson), ``suppressed``, ``reason``.

    References
    ----------
    Dixon, M., Freeman, K., & Toman, N. (2010). Stop trying to delight your customers.
    *Harvard Business Review*, 88(7/8), 116–122.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ces": [7, 6, 5, 2, 4, 7]})
    >>> effort_score(df, ["ces"], min_n=1)[["mean", "low_effort"]].round(3).to_dict("records")
    [{'mean': 5.167, 'low_effort': 0.667}]
    """
    counts = count_answers(data, items, scale=scale, by=by, dont_know=dont_know)
    low_mask = np.isin(counts.scale, as_codes(list(low_effort)))
    c = counts.counts.astype(float)
    table = counts.frame()
    n = c.sum(axis=2).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c @ counts.scale).reshape(-1) / n
        ss = (c @ counts.scale**2).reshape(-1) - n * mean**2
        se = np.sqrt(np.maximum(ss, 0) / (n - 1)) / np.sqrt(n)
        hits = c[:, :, low_mask].sum(axis=2).reshape(-1)
        share = hits / n
    table["n"] = n.astype(np.int64)
    table["n_dont_know"] = counts.dont_know.reshape(-1)
    table["mean"] = mean
    table["mean_ci_low"], table["mean_ci_high"] = t_interval(mean, se, n, confidence)
    table["low_effort"] = share
    table["low_effort_ci_low"], table["low_effort_ci_high"] = wilson(hits, n, confidence)
    hide = [c for c in table.columns if c.startswith(("mean", "low_effort"))]
    return suppress(table, n, min_n, hide)
