"""Vectorised bootstrap of a fitted PLS path model.

Resamples are drawn as a matrix of row indices (a seeded :class:`numpy.random.Generator`,
PCG64), turned into row counts, and a whole chunk of them is estimated at once: one matrix
product gives every resample's indicator correlation matrix, and the PLS iterations run
batched over the chunk (:mod:`cxm.analytics.pls._engine`). Chunks keep memory bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.pls import _engine
from cxm.analytics.pls._intervals import bca_interval, percentile_interval, t_and_p
from cxm.analytics.pls._resample import MomentSource, counts_from_indices
from cxm.errors import ModelSpecError
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.analytics.pls.model import PLSPM

__all__ = ["BootstrapResult", "bootstrap"]

Array = npt.NDArray[np.float64]
#: Bytes one chunk of resample counts (8 per row) and indices (4 per row) may take.
CHUNK_BUDGET = 192 * 2**20
#: A smaller budget where it still leaves chunks of at least :data:`MIN_REUSED_CHUNK`
#: resamples: each chunk's arrays then stay under glibc's largest mmap threshold (32 MiB),
#: so the allocator reuses the memory the previous chunk freed instead of mapping fresh
#: pages the kernel must zero — at 10,000 rows this took a 5,000-resample bootstrap from
#: 1.3 s to 0.9 s (chunks of 1,677 resamples → 314) on a 2-core machine. With many rows
#: the chunks stay large: each chunk rebuilds the per-row products block by block there.
REUSED_CHUNK_BUDGET = 36 * 2**20
MIN_REUSED_CHUNK = 64


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap summaries; every table has ``estimate, boot_mean, se, t, p, ci_low,
    ci_high, bca_low, bca_high`` after its key columns.

    ``p`` is two-sided from Student's t with n − 1 degrees of freedom (t = estimate / se,
    as SmartPLS); ``ci_low``/``ci_high`` are percentile intervals, ``bca_*`` the
    bias-corrected and accelerated ones (acceleration by jackknife). ``draws`` holds the
    replicate estimates (kept resamples × parameters) in the order of ``parameters``.
    """

    n_boot: int
    n_failed: int
    n_not_converged: int
    seed: int | None
    level: float
    paths: pd.DataFrame
    loadings: pd.DataFrame
    weights: pd.DataFrame
    total_effects: pd.DataFrame
    r2: pd.DataFrame
    parameters: pd.DataFrame = field(repr=False)
    draws: Array = field(repr=False)


def _params(
    sol: _engine.Solution,
    layout: _engine.Layout,
    spec_pairs: list[tuple[int, int]],
    eff_pairs: list[tuple[int, int]],
) -> Array:
    """Flatten paths, loadings, weights, total effects and R² into batch × parameters."""
    rows = np.concatenate(layout.block_index)
    cols = np.concatenate([np.full(len(ix), k) for k, ix in enumerate(layout.block_index)])
    sp = np.array(spec_pairs).reshape(-1, 2)
    ep = np.array(eff_pairs).reshape(-1, 2)
    return np.concatenate(
        [
            sol.paths[:, sp[:, 0], sp[:, 1]],
            sol.loadings[:, rows, cols],
            sol.weights[:, rows, cols],
            sol.total[:, ep[:, 0], ep[:, 1]],
            sol.r2,
        ],
        axis=1,
    )


def _solve_chunk(r: Array, model: PLSPM) -> tuple[_engine.Solution | None, npt.NDArray[np.bool_]]:
    """Solve a stack; on a singular member fall back to one at a time and drop failures."""
    ok = np.ones(r.shape[0], dtype=bool)
    args = (model._layout, model.scheme, model.max_iter, model.tol)
    try:
        return _engine.solve(r, *args), ok
    except np.linalg.LinAlgError:
        pass
    sols = []
    for i in range(r.shape[0]):
        try:
            sols.append(_engine.solve(r[i : i + 1], *args))
        except np.linalg.LinAlgError:
            ok[i] = False
    if not sols:
        return None, ok
    merged = _engine.Solution(
        *(
            np.concatenate([getattr(s, f) for s in sols])
            for f in (
                "weights",
                "loadings",
                "score_corr",
                "paths",
                "r2",
                "total",
                "n_iter",
                "converged",
            )
        )
    )
    return merged, ok


def _estimates(model: PLSPM, r: Array) -> tuple[Array, npt.NDArray[np.bool_], int]:
    """Parameters for each correlation stack member; failed members are flagged."""
    layout = model._layout
    corr, bad = _engine.correlation(r)
    keep = ~bad & np.isfinite(corr).all(axis=(1, 2))
    out = np.full((r.shape[0], len(model._param_names)), np.nan)
    not_conv = 0
    if keep.any():
        sol, ok = _solve_chunk(corr[keep], model)
        pos = np.flatnonzero(keep)
        keep[pos[~ok]] = False
        if sol is not None:
            out[pos[ok]] = _params(sol, layout, model._spec_pairs, model._eff_pairs)
            not_conv = int((~sol.converged).sum())
    keep &= np.isfinite(out).all(axis=1)
    return out, keep, not_conv


def _jackknife(model: PLSPM, source: MomentSource, groups: int, rng: np.random.Generator) -> Array:
    n = source.n
    g = min(groups, n)
    labels = (np.arange(n) % g) if g == n else rng.permutation(n) % g
    sums = source.group_sums(labels.astype(np.intp), g)
    sizes = np.bincount(labels, minlength=g).astype(float)
    left = source.totals()[None, :] - sums
    est, keep, _nc = _estimates(model, source.covariances(left, n - sizes))
    return est[keep]


def bootstrap(
    model: PLSPM,
    n_boot: int = 5000,
    *,
    seed: int | None = None,
    indices: npt.ArrayLike | None = None,
    level: float = 0.95,
    bca: bool = True,
    jackknife_groups: int = 1000,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BootstrapResult:
    """Bootstrap standard errors, t, p and intervals for paths, loadings, weights, total
    effects and R² of a fitted :class:`PLSPM`.

    Parameters
    ----------
    model : PLSPM
        A fitted model; its estimation data (after missing-value handling) is resampled.
    n_boot : int
        Number of resamples B.
    seed : int, optional
        Seed of ``numpy.random.Generator(PCG64(seed))``; resample b draws n row indices
        with ``integers(0, n, n)`` in order, so a seed gives the same resamples as the
        seminr port's ``bootstrap_model(seed=...)`` and results do not depend on chunking.
    indices : array (B × n), optional
        Explicit 0-based resample indices instead of drawing them.
    level : float
        Confidence level of the intervals.
    bca : bool
        Also compute BCa intervals; the acceleration uses a jackknife over
        ``jackknife_groups`` groups (leave-one-out when n is not larger).
    chunk_size : int, optional
        Resamples estimated together; default keeps a chunk under ~200 MB.
    progress : callable(done, total), optional
        Called after each chunk.

    Notes
    -----
    Resamples whose data have a constant indicator or a singular block are dropped and
    counted in ``n_failed`` (as seminr does). Each resample's blocks are oriented like the
    original fit (most loadings positive). With ``missing="mean"`` the imputed data are
    resampled (imputation is not repeated per resample).
    """
    if model.__dict__.get("_solution") is None:
        raise ModelSpecError(_("Fit the model before bootstrapping it."))
    source = MomentSource(model._z)
    n = source.n
    if indices is not None:
        idx_all = np.asarray(indices, dtype=np.intp)
        if idx_all.ndim != 2 or idx_all.shape[1] != n or idx_all.min() < 0 or idx_all.max() >= n:
            raise ModelSpecError(
                _("Bootstrap indices must be a matrix of resamples × {n} row numbers.", n=n)
            )
        n_boot = idx_all.shape[0]
    if n_boot < 2:
        raise ModelSpecError(_("Use at least 2 bootstrap resamples (got {n}).", n=n_boot))
    if not 0 < level < 1:
        raise ModelSpecError(
            _("The confidence level must lie between 0 and 1 (got {level}).", level=level)
        )
    rng = np.random.Generator(np.random.PCG64(seed))
    reused = REUSED_CHUNK_BUDGET // (12 * n)
    budget = reused if reused >= MIN_REUSED_CHUNK else CHUNK_BUDGET // (12 * n)
    chunk = chunk_size or max(1, min(n_boot, budget))
    draws = np.empty((n_boot, len(model._param_names)))
    kept = np.zeros(n_boot, dtype=bool)
    not_converged = 0

    index_type = np.int32 if n < 2**31 else np.intp

    def counts_for(start: int) -> Array:
        stop = min(n_boot, start + chunk)
        if indices is not None:
            idx = idx_all[start:stop]
        else:
            # int32 draws the same stream as intp for n < 2**31, at half the memory
            idx = rng.integers(0, n, size=(stop - start, n), dtype=index_type)
        return counts_from_indices(idx, n)

    # Draw the next chunk's resamples in a thread while this chunk is estimated: the
    # generator is used by that one thread in chunk order, so the stream is unchanged.
    starts = list(range(0, n_boot, chunk))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(counts_for, starts[0])
        for i, start in enumerate(starts):
            counts = pending.result()
            if i + 1 < len(starts):
                pending = pool.submit(counts_for, starts[i + 1])
            stop = start + counts.shape[0]
            cov = source.covariances(source.weighted(counts), np.full(stop - start, float(n)))
            del counts
            draws[start:stop], kept[start:stop], nc = _estimates(model, cov)
            not_converged += nc
            if progress is not None:
                progress(stop, n_boot)
    good = draws[kept]
    if good.shape[0] < 2:
        raise ModelSpecError(
            _("Too few bootstrap resamples could be estimated ({n}).", n=good.shape[0])
        )
    estimate = model._param_vector()
    se = good.std(axis=0, ddof=1)
    t, p = t_and_p(estimate, se, n - 1)
    lo, hi = percentile_interval(good, level)
    if bca:
        jack = _jackknife(
            model, source, jackknife_groups, np.random.Generator(np.random.PCG64(seed))
        )
        blo, bhi = bca_interval(good, estimate, jack, level)
    else:
        blo = bhi = np.full_like(estimate, np.nan)
    table = model._param_names.assign(
        estimate=estimate,
        boot_mean=good.mean(axis=0),
        se=se,
        t=t,
        p=p,
        ci_low=lo,
        ci_high=hi,
        bca_low=blo,
        bca_high=bhi,
    )

    def part(kind: str, keys: list[str]) -> pd.DataFrame:
        sub = table[table["kind"] == kind].rename(columns={"a": keys[0], "b": keys[1]})
        return sub.drop(columns=["kind"]).reset_index(drop=True)

    r2 = table[table["kind"] == "r2"].rename(columns={"a": "construct"})
    return BootstrapResult(
        n_boot=int(good.shape[0]),
        n_failed=int(n_boot - good.shape[0]),
        n_not_converged=not_converged,
        seed=seed,
        level=level,
        paths=part("path", ["source", "target"]),
        loadings=part("loading", ["construct", "indicator"]),
        weights=part("weight", ["construct", "indicator"]),
        total_effects=part("total", ["source", "target"]),
        r2=r2.drop(columns=["kind", "b"]).reset_index(drop=True),
        parameters=model._param_names,
        draws=good,
    )
