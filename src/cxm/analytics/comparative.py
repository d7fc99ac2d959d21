"""The comparative item: "compared with …, our service is better / about the same / worse".

Scored +1 / 0 / −1, the **net comparative score** is % better − % worse (−100…100), the
mean score × 100 — a firm ahead of the competitors its customers also use scores above 0
(DOMAIN.md §6: compare the firm with the competitors each customer uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cxm.analytics._intervals import z_value

__all__ = ["comparative_score"]


def comparative_score(
    values: Sequence[float] | np.ndarray, *, confidence: float = 0.95
) -> dict[str, Any]:
    """Shares better / same / worse and the net score with its normal-approximation interval.

    Parameters
    ----------
    values : sequence of +1 (better), 0 (same), −1 (worse); missing values are left out.

    Returns
    -------
    dict
        ``n``, ``better``, ``same``, ``worse`` (shares 0–1), ``net`` (−100…100), ``se``
        (in points), ``ci_low``, ``ci_high`` (clipped to ±100); NaN figures when n = 0.

    Notes
    -----
    :math:`\\text{net} = 100(p_b - p_w)`,
    :math:`SE = 100\\sqrt{(p_b + p_w - (p_b - p_w)^2)/n}` — the standard error of the mean
    of the ±1/0 scores (population variance), checked against ``scipy.stats.sem(x,
    ddof=0)``; the same formula as the NPS interval.

    Examples
    --------
    >>> comparative_score([1, 1, 0, -1])["net"]
    25.0
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    bad = ~np.isin(x, (-1.0, 0.0, 1.0))
    if bad.any():
        raise ValueError(f"comparative answers are +1, 0 or -1, not {x[bad][0]!r}")
    n = int(x.size)
    if n == 0:
        nan = float("nan")
        return {"n": 0, **dict.fromkeys(
            ("better", "same", "worse", "net", "se", "ci_low", "ci_high"), nan
        )}  # fmt: skip
    better, worse = float(np.mean(x == 1)), float(np.mean(x == -1))
    net = 100.0 * (better - worse)
    se = 100.0 * float(np.sqrt(max(better + worse - (better - worse) ** 2, 0.0) / n))
    z = z_value(confidence)
    return {
        "n": n,
        "better": better,
        "same": 1.0 - better - worse,
        "worse": worse,
        "net": net,
        "se": se,
        "ci_low": max(net - z * se, -100.0),
        "ci_high": min(net + z * se, 100.0),
    }
