"""Satisfaction versus loyalty: the loyalty index and the satisfied-but-not-loyal gap.

DOMAIN.md §3: loyalty shows as repurchase, recommending, resisting competitors' offers and
forgiving a fault, and customers identify with the brand; a firm often scores over 90 %
satisfied while under 30 % come back, and one study put the satisfaction–loyalty
correlation at only 0.13. These functions measure that gap instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxm.analytics._intervals import wilson, z_value
from cxm.analytics.index import _rescaled, _weighted_mean
from cxm.analytics.scores import suppress
from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "LOYALTY_FACETS",
    "LoyaltyByLevel",
    "SatisfiedNotLoyal",
    "loyalty_by_satisfaction",
    "loyalty_index",
    "satisfaction_loyalty_correlation",
    "satisfied_not_loyal",
]

#: The faces of loyalty in DOMAIN.md §3: the four behaviours, and brand identification
#: (the documents' third kind of loyalty question, beside repurchase and recommendation).
LOYALTY_FACETS: tuple[str, ...] = (
    "repurchase",
    "recommend",
    "resist_competitor",
    "forgive",
    "brand_identification",
)


def loyalty_index(
    data: pd.DataFrame,
    items: Mapping[str, str],
    *,
    scales: Mapping[str, tuple[float, float]] | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.Series:
    """Loyalty index 0–100 per respondent from repurchase, recommend, resist and forgive items.

    Parameters
    ----------
    data : DataFrame
    items : mapping facet → column
        Facets from :data:`LOYALTY_FACETS`, at least two, e.g.
        ``{"repurchase": "Q20", "recommend": "NPS", "resist_competitor": "Q21"}``.
    scales : mapping facet → (low, high), optional
        Each item's answer scale; default (1, 5), except ``recommend`` (0, 10).
    weights : mapping facet → weight, optional
        Default equal weights.

    Returns
    -------
    Series
        ``loyalty_index`` per row; a respondent who skipped an item is scored on the others;
        NaN if none answered.

    Notes
    -----
    :math:`L_i = \\sum_f w_f\\,100(x_{if}-L_f)/(H_f-L_f) / \\sum_{f \\text{ answered}} w_f`.
    Items of different scales are each rescaled to 0–100 first.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"again": [5, 1], "rec": [10, 5]})
    >>> loyalty_index(df, {"repurchase": "again", "recommend": "rec"}).tolist()
    [100.0, 25.0]
    """
    unknown = [f for f in items if f not in LOYALTY_FACETS]
    if unknown:
        raise InputError(
            _(
                "Unknown loyalty facet {facet}: use {facets}.",
                facet=", ".join(unknown),
                facets=", ".join(LOYALTY_FACETS),
            )
        )
    if len(items) < 2:
        raise InputError(
            _("A loyalty index needs at least two of {facets}.", facets=", ".join(LOYALTY_FACETS))
        )
    scales = dict(scales or {})
    columns = []
    for facet, column in items.items():
        scale = scales.get(facet, (0, 10) if facet == "recommend" else (1, 5))
        columns.append(_rescaled(data, [column], scale, min_items=1)[:, 0])
    w = np.asarray([float((weights or {}).get(f, 1.0)) for f in items])
    if (w < 0).any() or w.sum() <= 0:
        raise InputError(_("Item weights must be non-negative numbers, not all zero."))
    index = _weighted_mean(np.column_stack(columns), w / w.sum())
    return pd.Series(index, index=data.index, name="loyalty_index")


def _loyal_flags(data: pd.DataFrame, loyalty: str, loyal_at: float | None) -> pd.Series:
    if loyalty not in data.columns:
        raise InputError(_("Unknown column: {column}", column=loyalty))
    col = data[loyalty]
    if loyal_at is None:
        if not col.dropna().isin([0, 1, True, False]).all():
            raise InputError(
                _(
                    "Column {column} is not yes/no: give the threshold from which a customer "
                    "counts as loyal.",
                    column=loyalty,
                )
            )
        return col.astype(float)
    return (col >= loyal_at).astype(float).where(col.notna())


def satisfaction_loyalty_correlation(
    data: pd.DataFrame, satisfaction: str, loyalty: str, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Pearson and Spearman correlation of satisfaction with loyalty, with Fisher-z intervals.

    Returns
    -------
    DataFrame
        Rows ``pearson`` and ``spearman``; columns ``method``, ``n``, ``r``, ``ci_low``,
        ``ci_high``, ``p_value``.

    Notes
    -----
    :math:`z = \\operatorname{artanh} r`, :math:`SE = 1/\\sqrt{n-3}` (Pearson) or
    :math:`\\sqrt{1.06/(n-3)}` (Spearman; Fieller, Hartley & Pearson 1957); the interval is
    :math:`\\tanh(z \\pm z_{1-\\alpha/2} SE)`. The Pearson interval is checked against
    ``pingouin.corr``; p-values are scipy's.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [1, 2, 3, 4, 5, 4], "loy": [2, 1, 4, 3, 5, 5]})
    >>> satisfaction_loyalty_correlation(df, "sat", "loy")["r"].round(3).tolist()
    [0.804, 0.809]
    """
    for c in (satisfaction, loyalty):
        if c not in data.columns:
            raise InputError(_("Unknown column: {column}", column=c))
    pair = data[[satisfaction, loyalty]].dropna().astype(float)
    n = len(pair)
    if n < 4:
        raise InputError(_("Too few complete rows ({n}) for a correlation.", n=n))
    from scipy import stats  # here, not at the top: importing it takes most of a second

    x, y = pair[satisfaction].to_numpy(), pair[loyalty].to_numpy()
    z = z_value(confidence)
    rows = []
    for method, res, se in (
        ("pearson", stats.pearsonr(x, y), 1 / np.sqrt(n - 3)),
        ("spearman", stats.spearmanr(x, y), np.sqrt(1.06 / (n - 3))),
    ):
        r = float(res.statistic)
        fz = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
        rows.append(
            {
                "method": method,
                "n": n,
                "r": r,
                "ci_low": float(np.tanh(fz - z * se)),
                "ci_high": float(np.tanh(fz + z * se)),
                "p_value": float(res.pvalue),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, slots=True)
class LoyaltyByLevel:
    """:func:`loyalty_by_satisfaction`: the ``table`` per satisfaction level, and overall
    the ``satisfied_share`` (answers at or above the satisfied level) and ``loyal_rate``."""

    table: pd.DataFrame
    satisfied_share: float
    loyal_rate: float


def loyalty_by_satisfaction(
    data: pd.DataFrame,
    satisfaction: str,
    loyalty: str,
    *,
    loyal_at: float | None = None,
    levels: Sequence[float] = (1, 2, 3, 4, 5),
    satisfied_at: float = 4,
    min_n: int = 30,
    confidence: float = 0.95,
) -> LoyaltyByLevel:
    """Loyalty rate at each satisfaction level (1..5), with Wilson intervals.

    ``loyalty`` is a yes/no column (e.g. repurchased) or, with ``loyal_at``, a score where
    ``loyalty >= loyal_at`` counts as loyal. Returns ``level``, ``n``, ``share`` (of
    respondents), ``loyal_rate``, ``ci_low``, ``ci_high``, ``suppressed``, ``reason`` (a
    level with fewer than ``min_n`` respondents shows no rate) as the ``table``, with
    ``satisfied_share`` (answers ≥ ``satisfied_at``) and ``loyal_rate`` overall — the
    documents' "> 90 % satisfied, < 30 % loyal".

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [5, 5, 4, 4, 2], "back": [1, 0, 0, 0, 0]})
    >>> out = loyalty_by_satisfaction(df, "sat", "back", min_n=1)
    >>> out.satisfied_share, out.loyal_rate
    (0.8, 0.2)
    """
    if satisfaction not in data.columns:
        raise InputError(_("Unknown column: {column}", column=satisfaction))
    loyal = _loyal_flags(data, loyalty, loyal_at)
    sat = data[satisfaction]
    ok = sat.notna() & loyal.notna()
    sat, loyal = sat[ok], loyal[ok]
    lv = np.asarray(list(levels), dtype=float)
    n = np.array([(sat == v).sum() for v in lv], dtype=float)
    hits = np.array([loyal[sat == v].sum() for v in lv], dtype=float)
    low, high = wilson(hits, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "level": lv,
                "n": n.astype(np.int64),
                "share": n / ok.sum(),
                "loyal_rate": hits / n,
                "ci_low": low,
                "ci_high": high,
            }
        )
    out = suppress(out, n, min_n, ["loyal_rate", "ci_low", "ci_high"])
    return LoyaltyByLevel(
        table=out,
        satisfied_share=float((sat >= satisfied_at).mean()),
        loyal_rate=float(loyal.mean()),
    )


@dataclass(frozen=True, slots=True)
class SatisfiedNotLoyal:
    """``cells``: counts and shares of the satisfied × loyal table; ``share``: of the
    satisfied, the share not loyal; ``n``; ``profile``: how the satisfied-but-not-loyal
    differ from the satisfied-and-loyal (see :func:`satisfied_not_loyal`)."""

    n: int
    share: float
    cells: pd.DataFrame
    profile: pd.DataFrame


def satisfied_not_loyal(
    data: pd.DataFrame,
    satisfaction: str,
    loyalty: str,
    *,
    satisfied_at: float = 4,
    loyal_at: float | None = None,
    profile: Sequence[str] = (),
) -> SatisfiedNotLoyal:
    """Who is satisfied but not loyal, and how they differ from the satisfied and loyal.

    Parameters
    ----------
    satisfaction : str
        Satisfaction column; ``>= satisfied_at`` counts as satisfied (default 4 on 1–5).
    loyalty : str
        Yes/no loyalty column, or a score with ``loyal_at`` (e.g. loyalty index ≥ 70).
    profile : sequence of str
        Other columns to compare. Numeric: means in both groups, difference, Hedges' g and a
        Welch t-test p-value. Otherwise: share of each level in both groups and the
        difference in percentage points, with a chi-square p-value per column.

    Returns
    -------
    SatisfiedNotLoyal
        ``profile`` columns: ``column``, ``level`` (None for numeric), ``not_loyal``,
        ``loyal``, ``difference``, ``effect_size``, ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [5, 5, 4, 4, 2, 5], "back": [1, 0, 0, 0, 0, 1]})
    >>> satisfied_not_loyal(df, "sat", "back").share
    0.6
    """
    if satisfaction not in data.columns:
        raise InputError(_("Unknown column: {column}", column=satisfaction))
    loyal = _loyal_flags(data, loyalty, loyal_at)
    ok = data[satisfaction].notna() & loyal.notna()
    satisfied = data[satisfaction] >= satisfied_at
    rows = []
    for s in (True, False):
        for lo in (True, False):
            count = int((ok & (satisfied == s) & ((loyal == 1) == lo)).sum())
            rows.append({"satisfied": s, "loyal": lo, "n": count})
    cells = pd.DataFrame(rows)
    total = int(ok.sum())
    cells["share"] = cells["n"] / total if total else np.nan
    sat_n = int((ok & satisfied).sum())
    snl = ok & satisfied & (loyal == 0)
    sl = ok & satisfied & (loyal == 1)
    share = float(snl.sum() / sat_n) if sat_n else float("nan")
    return SatisfiedNotLoyal(
        n=total, share=share, cells=cells, profile=_profile(data, list(profile), snl, sl)
    )


def _profile(data: pd.DataFrame, columns: list[str], snl: pd.Series, sl: pd.Series) -> pd.DataFrame:
    from scipy import stats  # here, not at the top: importing it takes most of a second

    rows: list[dict[str, object]] = []
    for col in columns:
        if col not in data.columns:
            raise InputError(_("Unknown column: {column}", column=col))
        a, b = data.loc[snl, col].dropna(), data.loc[sl, col].dropna()
        numeric = pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(
            data[col]
        )
        if numeric:
            g, p = np.nan, np.nan
            if len(a) > 1 and len(b) > 1:
                sp = np.sqrt(
                    ((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2)
                )
                g = (a.mean() - b.mean()) / sp * (1 - 3 / (4 * (len(a) + len(b)) - 9))
                p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
            rows.append(
                {
                    "column": col,
                    "level": None,
                    "not_loyal": a.mean(),
                    "loyal": b.mean(),
                    "difference": a.mean() - b.mean(),
                    "effect_size": g,
                    "p_value": p,
                }
            )
            continue
        table = pd.crosstab(pd.concat([a, b]), np.r_[np.ones(len(a)), np.zeros(len(b))])
        p = (
            float(stats.chi2_contingency(table).pvalue)
            if table.shape == (table.shape[0], 2) and table.shape[0] > 1
            else np.nan
        )
        for level in table.index:
            sa = float((a == level).mean()) if len(a) else np.nan
            sb = float((b == level).mean()) if len(b) else np.nan
            rows.append(
                {
                    "column": col,
                    "level": level,
                    "not_loyal": sa,
                    "loyal": sb,
                    "difference": sa - sb,
                    "effect_size": np.nan,
                    "p_value": p,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["column", "level", "not_loyal", "loyal", "difference", "effect_size", "p_value"],
    )
