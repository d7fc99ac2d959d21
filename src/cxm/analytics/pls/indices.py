"""Construct indices on 0–100, the ACSI way.

The ACSI reports each latent variable (e.g. customer satisfaction) as an index: the
*unstandardised* outer weights (weights that apply to the raw item scores) are rescaled to
sum to one within the block, applied to the item means, and the result is mapped from the
answer scale ``lo..hi`` to 0–100 (Fornell et al. 1996, p. 9; ACSI Methodology Report).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.pls._engine import Layout
from cxm.errors import ModelSpecError, StatisticalWarning
from cxm.i18n import _

__all__ = ["Scale", "construct_indices", "index_weights", "infer_scale", "respondent_indices"]

#: One answer scale (lo, hi) for every indicator, or one per construct.
Scale = tuple[float, float] | Mapping[str, tuple[float, float]]


def infer_scale(raw: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The answer scale when none is given: 1 (or the smallest answer, if lower) to the
    largest observed answer."""
    return float(min(1.0, np.nanmin(raw))), float(np.nanmax(raw))


def _bounds(layout: Layout, scale: Scale | None, raw: npt.NDArray[np.float64]) -> np.ndarray:
    out = np.zeros((len(layout.constructs), 2))
    default = infer_scale(raw) if not isinstance(scale, tuple) else scale
    for k, c in enumerate(layout.constructs):
        lo, hi = scale.get(c, default) if isinstance(scale, Mapping) else default
        if not hi > lo:
            raise ModelSpecError(
                _(
                    "Answer scale for {construct} must run from low to high, got {lo}..{hi}.",
                    construct=c,
                    lo=lo,
                    hi=hi,
                )
            )
        out[k] = lo, hi
    return out


def index_weights(
    layout: Layout, weights: npt.NDArray[np.float64], sds: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Unstandardised weights ``w_i / s_i`` rescaled to sum 1 per block (p × K, masked)."""
    raw = weights / sds[:, None] * layout.mask
    total = raw.sum(axis=0)
    out: npt.NDArray[np.float64] = raw / np.where(total == 0, 1.0, total)
    return out


def construct_indices(
    layout: Layout,
    weights: npt.NDArray[np.float64],
    raw: npt.NDArray[np.float64],
    sds: npt.NDArray[np.float64],
    scale: Scale | None,
) -> pd.Series:
    """Index 0–100 per construct.

    Notes
    -----
    .. math:: I_k = 100\\,\\frac{\\sum_{i\\in k} \\tilde w_i \\bar x_i - lo}{hi - lo},\\qquad
              \\tilde w_i = \\frac{w_i/s_i}{\\sum_{j\\in k} w_j/s_j}

    With positive weights the index lies in 0–100. A block with a negative weight (an item
    that works against its construct) gets a :class:`StatisticalWarning` and its index is
    clipped to 0–100.
    """
    iw = index_weights(layout, weights, sds)
    bounds = _bounds(layout, scale, raw)
    means = raw.mean(axis=0)
    values = (means @ iw - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) * 100.0
    for k, ix in enumerate(layout.block_index):
        if (iw[ix, k] < 0).any():
            warnings.warn(
                _(
                    "Construct {construct} has a negative indicator weight; its 0–100 index "
                    "is clipped and should be read with care.",
                    construct=layout.constructs[k],
                ),
                StatisticalWarning,
                stacklevel=3,
            )
    return pd.Series(np.clip(values, 0.0, 100.0), index=list(layout.constructs), name="index")


def respondent_indices(
    layout: Layout,
    weights: npt.NDArray[np.float64],
    raw: npt.NDArray[np.float64],
    sds: npt.NDArray[np.float64],
    scale: Scale | None,
    index: pd.Index,
) -> pd.DataFrame:
    """The same index for each respondent (rows × constructs), clipped to 0–100."""
    iw = index_weights(layout, weights, sds)
    bounds = _bounds(layout, scale, raw)
    values = (raw @ iw - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]) * 100.0
    return pd.DataFrame(np.clip(values, 0.0, 100.0), index=index, columns=list(layout.constructs))
