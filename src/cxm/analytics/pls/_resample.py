"""Correlation matrices of many resamples at once, from resample counts.

A bootstrap resample is fully described by how often each row was drawn (counts
``c``, summing to n). Its first and second moments are ``c @ z`` and
``c @ [z_i z_j]_{i<=j}``, so a chunk of resamples costs one matrix product with the
per-row products of the standardised data — the step that makes the bootstrap fast.
Leave-group-out (jackknife) moments come from the same per-row products.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

__all__ = ["MomentSource", "counts_from_indices"]

Array = npt.NDArray[np.float64]

#: Bytes a chunk of per-row products may take before it is built block by block.
ROW_PRODUCTS_BUDGET = 128 * 2**20


def counts_from_indices(idx: npt.NDArray[np.integer], n: int, out: Array | None = None) -> Array:
    """How often each of ``n`` rows appears in each resample (rows of ``idx``)."""
    out = np.empty((idx.shape[0], n)) if out is None else out[: idx.shape[0]]
    for b in range(idx.shape[0]):
        out[b] = np.bincount(idx[b], minlength=n)
    return out


class MomentSource:
    """The standardised data ``z`` and its per-row products, built once or in row blocks."""

    def __init__(self, z: Array) -> None:
        self.z = z
        self.n, self.p = z.shape
        self.iu = np.triu_indices(self.p)
        width = self.p + len(self.iu[0])
        self.block_rows = max(1, min(self.n, ROW_PRODUCTS_BUDGET // (8 * width)))
        self._cached = self._products(0, self.n) if self.block_rows >= self.n else None

    def _products(self, start: int, stop: int) -> Array:
        zb = self.z[start:stop]
        return np.concatenate([zb, zb[:, self.iu[0]] * zb[:, self.iu[1]]], axis=1)

    def blocks(self) -> Iterator[tuple[slice, Array]]:
        if self._cached is not None:
            yield slice(0, self.n), self._cached
            return
        for start in range(0, self.n, self.block_rows):
            stop = min(self.n, start + self.block_rows)
            yield slice(start, stop), self._products(start, stop)

    def weighted(self, counts: Array) -> Array:
        """Summed first and second moments for each row of ``counts`` (chunk × width)."""
        out: Array | None = None
        for rows, prod in self.blocks():
            part = counts[:, rows] @ prod
            out = part if out is None else out + part
        if out is None:
            raise ValueError("no rows to resample")
        return out

    def totals(self) -> Array:
        out = np.zeros(self.p + len(self.iu[0]))
        for _rows, prod in self.blocks():
            out += prod.sum(axis=0)
        return out

    def group_sums(self, labels: npt.NDArray[np.intp], n_groups: int) -> Array:
        """Moments summed within each group (n_groups × width)."""
        out: Array | None = None
        for rows, prod in self.blocks():
            lab = labels[rows]
            part: Array = np.stack(
                [
                    np.bincount(lab, weights=prod[:, j], minlength=n_groups)
                    for j in range(prod.shape[1])
                ],
                axis=1,
            )
            out = part if out is None else out + part
        if out is None:
            raise ValueError("no rows to resample")
        return out

    def covariances(self, sums: Array, n_rows: Array) -> Array:
        """Sample covariance matrices (m × p × p) from summed moments of m samples."""
        p = self.p
        m1 = sums[:, :p]
        second = np.zeros((sums.shape[0], p, p))
        second[:, self.iu[0], self.iu[1]] = sums[:, p:]
        second[:, self.iu[1], self.iu[0]] = sums[:, p:]
        nr = n_rows[:, None, None]
        cov: Array = (second - m1[:, :, None] * m1[:, None, :] / nr) / (nr - 1)
        return cov
