"""The PLS path-modelling algorithm on correlation matrices, batched over a leading axis.

Every quantity of Lohmöller's algorithm on standardised data ``Z`` (n × p) can be written
with the indicator correlation matrix ``R = Z'Z/(n-1)`` alone: with block weights ``W``
(p × K) the construct scores ``Y = ZW`` have covariance ``W'RW`` and the indicator–score
covariances are ``RW``. Working on ``R`` makes one fit independent of n after one pass over
the data, and lets the bootstrap run thousands of resamples at once: ``R`` becomes a stack
(B × p × p) and every step is a batched matrix product or solve.

The steps follow seminr's ``simplePLS`` (estimate_simplePLS.R) exactly — initial unit
weights, inner proxies by the chosen scheme, mode A/B outer update, weights rescaled so
scores have unit sample variance, stop when the summed absolute weight change is below
``tol`` — so results agree with the seminr port to rounding (tests/test_pls_reference.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cxm.analytics.pls.syntax import ModelSpec

__all__ = ["Layout", "Scheme", "Solution", "correlation", "iterate", "orient", "solve_paths"]

Scheme = Literal["path", "centroid", "factorial"]
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Layout:
    """Index arrays describing a model: which indicator belongs to which construct."""

    constructs: tuple[str, ...]
    indicators: tuple[str, ...]
    mask: Array  # p × K, 1 where indicator i belongs to construct k
    adjacency: Array  # K × K, 1 where a path source → target exists
    block_index: tuple[npt.NDArray[np.intp], ...]
    mode_b: tuple[int, ...]
    endogenous: tuple[tuple[int, npt.NDArray[np.intp]], ...]  # (target, antecedents)

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> Layout:
        constructs = spec.constructs
        indicators = spec.indicators
        pos = {c: k for k, c in enumerate(constructs)}
        mask = np.zeros((len(indicators), len(constructs)))
        blocks = []
        start = 0
        for k, block in enumerate(spec.blocks):
            idx = np.arange(start, start + len(block.indicators), dtype=np.intp)
            mask[idx, k] = 1.0
            blocks.append(idx)
            start += len(block.indicators)
        adjacency = np.zeros((len(constructs), len(constructs)))
        for p in spec.paths:
            adjacency[pos[p.source], pos[p.target]] = 1.0
        endogenous = tuple(
            (pos[t], np.array([pos[a] for a in spec.antecedents(t)], dtype=np.intp))
            for t in spec.endogenous
        )
        mode_b = tuple(k for k, b in enumerate(spec.blocks) if b.mode == "B")
        return cls(constructs, indicators, mask, adjacency, tuple(blocks), mode_b, endogenous)


@dataclass(frozen=True)
class Solution:
    """Batched results; every array has the batch axis first."""

    weights: Array  # B × p × K (scores Z @ W have unit sample variance)
    loadings: Array  # B × p × K (masked)
    score_corr: Array  # B × K × K
    paths: Array  # B × K × K, [source, target]
    r2: Array  # B × (number of endogenous constructs)
    total: Array  # B × K × K
    n_iter: npt.NDArray[np.intp]
    converged: npt.NDArray[np.bool_]


def correlation(cov: Array) -> tuple[Array, npt.NDArray[np.bool_]]:
    """Correlation matrices from covariance matrices; flags stacks with a zero variance."""
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0.0, None))
    bad = np.asarray((sd <= 1e-12 * np.max(sd, axis=-1, keepdims=True)).any(axis=-1))
    safe = np.where(sd > 0, sd, 1.0)
    corr = cov / safe[..., :, None] / safe[..., None, :]
    return corr, bad


def _scale(r: Array, w: Array) -> Array:
    """Rescale weights so that the scores Z @ w have unit (sample) variance."""
    var = (w * (r @ w)).sum(axis=1)
    out: Array = w / np.sqrt(var)[:, None, :]
    return out


def _inner(c: Array, layout: Layout, scheme: Scheme) -> Array:
    both = layout.adjacency + layout.adjacency.T
    if scheme == "factorial":
        return c * both
    if scheme == "centroid":
        return np.sign(c) * both
    e = c * layout.adjacency.T
    for target, ante in layout.endogenous:
        e[:, ante, target] = np.linalg.solve(
            c[:, ante[:, None], ante[None, :]], c[:, ante, target][..., None]
        )[..., 0]
    return e


def iterate(
    r: Array, layout: Layout, scheme: Scheme, max_iter: int, tol: float
) -> tuple[Array, npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Outer weights for each correlation matrix in the stack ``r`` (B × p × p).

    Returns weights (B × p × K), the number of outer updates, and whether each converged.
    A converged member is frozen while the others go on, so each result equals a
    one-at-a-time fit.
    """
    batch = r.shape[0]
    mask = layout.mask
    inv_b = {
        k: np.linalg.inv(r[:, ix[:, None], ix[None, :]])
        for k in layout.mode_b
        for ix in (layout.block_index[k],)
    }
    w = np.broadcast_to(mask, (batch, *mask.shape)).copy()
    n_iter = np.zeros(batch, dtype=np.intp)
    done = np.zeros(batch, dtype=bool)
    converged = np.zeros(batch, dtype=bool)
    for step in range(max_iter + 1):
        active = ~done
        if active.all():
            ra, wa = r, _scale(r, w)
        else:
            ra, wa = r[active], _scale(r[active], w[active])
        rw = ra @ wa
        c = wa.transpose(0, 2, 1) @ rw
        e = _inner(c, layout, scheme)
        var = (e * (c @ e)).sum(axis=1)
        t = (rw @ e) / np.sqrt(var)[:, None, :]
        new = t * mask
        for k in layout.mode_b:
            ix = layout.block_index[k]
            new[:, ix, k] = (inv_b[k][active] @ t[:, ix, k][..., None])[..., 0]
        new = _scale(ra, new)
        diff = np.abs(new - w[active]).sum(axis=(1, 2))
        w[active] = new
        ok = diff < tol
        stop = ok | (step >= max_iter)
        idx = np.flatnonzero(active)
        n_iter[idx[stop]] = step + 1
        converged[idx[ok]] = True
        done[idx[stop]] = True
        if done.all():
            break
    return w, n_iter, converged


def orient(r: Array, w: Array, layout: Layout) -> Array:
    """Flip each block whose loadings are mostly negative, so that most are positive.

    Only the measurement side decides: a block is never flipped because its path is
    negative. Ties are broken by the sign of the summed loadings.
    """
    load = (r @ w) * layout.mask
    for k, ix in enumerate(layout.block_index):
        block = load[:, ix, k]
        votes = np.sign(block).sum(axis=1)
        votes = np.where(votes == 0, np.sign(block.sum(axis=1)), votes)
        flip = votes < 0
        if flip.any():
            w[flip, :, k] *= -1.0
    return w


def solve_paths(c: Array, layout: Layout) -> tuple[Array, Array]:
    """Path coefficients (OLS on standardised scores) and R² per endogenous construct."""
    batch, k = c.shape[0], c.shape[1]
    paths = np.zeros((batch, k, k))
    r2 = np.zeros((batch, len(layout.endogenous)))
    for j, (target, ante) in enumerate(layout.endogenous):
        rhs = c[:, ante, target]
        beta = np.linalg.solve(c[:, ante[:, None], ante[None, :]], rhs[..., None])[..., 0]
        paths[:, ante, target] = beta
        r2[:, j] = np.einsum("bi,bi->b", beta, rhs)
    return paths, r2


def solve(
    r: Array, layout: Layout, scheme: Scheme, max_iter: int, tol: float, *, flip: bool = True
) -> Solution:
    """Run the whole algorithm on a stack of correlation matrices."""
    w, n_iter, converged = iterate(r, layout, scheme, max_iter, tol)
    if flip:
        w = orient(r, w, layout)
    rw = r @ w
    loadings = rw * layout.mask
    c = w.transpose(0, 2, 1) @ rw
    paths, r2 = solve_paths(c, layout)
    eye = np.eye(c.shape[1])
    total = np.linalg.inv(eye - paths) - eye
    return Solution(w, loadings, c, paths, r2, total, n_iter, converged)
