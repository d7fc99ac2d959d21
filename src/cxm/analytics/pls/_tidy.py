"""Turn engine arrays (one batch member) into the tidy DataFrames users read."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.pls._engine import Layout
from cxm.analytics.pls.syntax import ModelSpec

__all__ = ["effect_pairs", "indicator_table", "pair_table", "path_table"]


def indicator_table(layout: Layout, values: npt.NDArray[np.float64]) -> pd.DataFrame:
    """construct, indicator, estimate for each (indicator, own construct) cell of p × K."""
    rows = [
        (layout.constructs[k], layout.indicators[i], float(values[i, k]))
        for k, ix in enumerate(layout.block_index)
        for i in ix
    ]
    return pd.DataFrame(rows, columns=["construct", "indicator", "estimate"])


def path_table(spec: ModelSpec, layout: Layout, paths: npt.NDArray[np.float64]) -> pd.DataFrame:
    """source, target, estimate for each declared structural path, in declaration order."""
    pos = {c: k for k, c in enumerate(layout.constructs)}
    rows = [(p.source, p.target, float(paths[pos[p.source], pos[p.target]])) for p in spec.paths]
    return pd.DataFrame(rows, columns=["source", "target", "estimate"])


def effect_pairs(layout: Layout) -> list[tuple[int, int]]:
    """(source, target) index pairs joined by at least one directed path."""
    k = len(layout.constructs)
    reach = layout.adjacency.astype(bool)
    for _ in range(k):
        reach = reach | ((reach.astype(int) @ layout.adjacency.astype(int)) > 0)
    return [(i, j) for i in range(k) for j in range(k) if reach[i, j]]


def pair_table(
    layout: Layout, values: npt.NDArray[np.float64], pairs: list[tuple[int, int]]
) -> pd.DataFrame:
    rows = [(layout.constructs[i], layout.constructs[j], float(values[i, j])) for i, j in pairs]
    return pd.DataFrame(rows, columns=["source", "target", "estimate"])
