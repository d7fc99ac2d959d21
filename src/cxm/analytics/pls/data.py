"""From a user's DataFrame to the standardised indicator matrix a PLS fit needs.

Checks every indicator column (present, numeric, not constant), handles missing values as
the user chose (mean imputation or casewise deletion) and reports what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.pls.syntax import ModelSpec
from cxm.errors import ModelSpecError
from cxm.i18n import _

__all__ = ["Missing", "Prepared", "prepare"]

Missing = Literal["mean", "casewise"]


@dataclass(frozen=True)
class Prepared:
    """The estimation data: raw values after missing handling and their standardised form."""

    raw: npt.NDArray[np.float64]  # n × p, after imputation/deletion
    z: npt.NDArray[np.float64]  # n × p, centred and divided by the sample SD
    means: npt.NDArray[np.float64]
    sds: npt.NDArray[np.float64]
    index: pd.Index  # labels of the rows used
    missing_report: pd.DataFrame
    cov: npt.NDArray[np.float64]  # p × p covariance of the raw indicators
    corr: npt.NDArray[np.float64]  # p × p correlation
    missing_method: str  # how missing values were handled ("mean" or "casewise")
    n_rows: int  # rows given, before casewise deletion


def _numeric(df: pd.DataFrame, column: str, construct: str, line: int) -> pd.Series:
    col = df[column]
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    converted = pd.to_numeric(col, errors="coerce")
    bad = converted.isna() & col.notna() & (col.astype(str).str.strip() != "")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ModelSpecError(
            _(
                "Model line {line}: indicator {column} of {construct} is not numeric: row "
                "{row} holds {value!r}. Recode it as numbers (or blank for missing).",
                line=line,
                column=column,
                construct=construct,
                row=pos + 1,
                value=str(col.iloc[pos]),
            )
        )
    return converted.astype(float)


def prepare(df: pd.DataFrame, spec: ModelSpec, missing: Missing) -> Prepared:
    """Select, check, clean and standardise the indicators of ``spec`` from ``df``.

    Raises
    ------
    ModelSpecError
        Unknown column (all unknown ones named, with their model line), non-numeric value
        (column, row and value), too few rows, or a constant indicator.
    """
    if missing not in ("mean", "casewise"):
        raise ModelSpecError(
            _("Unknown missing-value method {method}: use mean or casewise.", method=missing)
        )
    unknown = [(i, b) for b in spec.blocks for i in b.indicators if i not in df.columns]
    if unknown:
        item, block = unknown[0]
        raise ModelSpecError(
            _(
                "Model line {line}: column {column} (indicator of {construct}) is not in the "
                "data. Unknown: {unknown}. Columns are: {columns}.",
                line=block.line,
                column=item,
                construct=block.name,
                unknown=", ".join(i for i, _b in unknown),
                columns=", ".join(map(str, df.columns[:60])),
            )
        )
    names = list(spec.indicators)
    sub = df[names]
    if all(pd.api.types.is_numeric_dtype(sub[c]) for c in names):
        values = sub.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.column_stack(
            [_numeric(df, i, b.name, b.line).to_numpy() for b in spec.blocks for i in b.indicators]
        )
    isna = np.isnan(values)
    n_total = values.shape[0]
    report = pd.DataFrame(
        {
            "indicator": list(spec.indicators),
            "n_missing": isna.sum(axis=0),
            "share_missing": isna.mean(axis=0) if n_total else np.zeros(len(spec.indicators)),
        }
    )
    empty = np.flatnonzero(isna.all(axis=0)) if n_total else np.array([], dtype=int)
    if empty.size:
        name = spec.indicators[int(empty[0])]
        block = next(b for b in spec.blocks if name in b.indicators)
        raise ModelSpecError(
            _(
                "Model line {line}: indicator {column} of {construct} has no values at all.",
                line=block.line,
                column=name,
                construct=block.name,
            )
        )
    index = df.index
    if missing == "casewise":
        keep = ~isna.any(axis=1)
        values = values[keep]
        index = index[keep]
    elif isna.any():
        means = np.nanmean(values, axis=0)
        values = np.where(isna, means, values)
    if values.shape[0] < 3:
        raise ModelSpecError(
            _(
                "Only {n} usable rows after missing-value handling ({method}); a PLS model "
                "needs more (try --missing mean).",
                n=values.shape[0],
                method=missing,
            )
        )
    means = values.mean(axis=0)
    z = values - means
    cov = (z.T @ z) / (values.shape[0] - 1)
    sds = np.sqrt(np.diag(cov))
    # exactly constant columns centre to (almost) zero; real variation is far larger
    constant = np.flatnonzero(sds <= 1e-12 * np.maximum(np.abs(means), 1.0))
    if constant.size:
        j = int(constant[0])
        name = spec.indicators[j]
        block = next(b for b in spec.blocks if name in b.indicators)
        raise ModelSpecError(
            _(
                "Model line {line}: indicator {column} of {construct} is constant (every "
                "value is {value}); it carries no information — remove it from the block.",
                line=block.line,
                column=name,
                construct=block.name,
                value=f"{values[0, j]:g}",
            )
        )
    z /= sds
    corr = cov / np.outer(sds, sds)
    return Prepared(values, z, means, sds, index, report, cov, corr, missing, n_total)
