"""Count opportunities and defects of one compiled standard over whole columns at once.

Pure (no store): the check service and the benchmark feed it numpy columns. Grouping uses
integer codes and :func:`numpy.bincount`, so ten million opportunities are counted in a few
vector passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.standards.rules import CompiledRule

__all__ = ["count_defects"]


def count_defects(
    columns: Mapping[str, npt.NDArray[Any]],
    rule: CompiledRule,
    *,
    keys: Mapping[str, npt.ArrayLike],
    applies: CompiledRule | None = None,
    weights: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Opportunities, defects and value-weighted defects per combination of ``keys``.

    A record is an opportunity when ``applies`` holds (or is absent) and every field the rule
    reads is present; it is a defect when it is an opportunity and the rule does not hold.

    Returns
    -------
    DataFrame
        The key columns, then ``opportunities``, ``defects`` and ``weighted_defects`` (each
        defect weighted by ``weights``, 1 when absent); only combinations with opportunities.
    """
    met, opportunity = rule.evaluate(columns)
    if applies is not None:
        hold, judged = applies.evaluate(columns)
        opportunity &= hold & judged
    defect = opportunity & ~met
    names = list(keys)
    n = len(met)
    codes: list[npt.NDArray[np.intp]] = []
    uniques: list[Any] = []
    for name in names:
        c, u = pd.factorize(np.asarray(keys[name]), use_na_sentinel=False)
        codes.append(np.asarray(c, dtype=np.intp))
        uniques.append(u)
    shape = tuple(max(len(u), 1) for u in uniques)
    flat = np.ravel_multi_index(codes, shape) if names else np.zeros(n, dtype=np.intp)
    size = int(np.prod(shape)) if names else 1
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    opp = np.bincount(flat, weights=opportunity, minlength=size)
    dfc = np.bincount(flat, weights=defect, minlength=size)
    wdf = np.bincount(flat, weights=np.where(defect, w, 0.0), minlength=size)
    present = np.flatnonzero(opp > 0)
    out = pd.DataFrame(
        {
            name: np.asarray(u)[idx]
            for name, u, idx in zip(
                names, uniques, np.unravel_index(present, shape) if names else [], strict=True
            )
        }
    )
    out["opportunities"] = opp[present].astype(np.int64)
    out["defects"] = dfc[present].astype(np.int64)
    out["weighted_defects"] = wdf[present]
    return out.reset_index(drop=True)
