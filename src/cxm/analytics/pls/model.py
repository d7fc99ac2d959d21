"""PLSPM: the partial least squares path-modelling estimator (fit / ``name_`` / summary)."""

from __future__ import annotations

import sys
import warnings
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxm.analytics.pls import _engine, _tidy, indices, quality
from cxm.analytics.pls.data import Missing, prepare
from cxm.analytics.pls.syntax import ModelSpec, parse_model
from cxm.errors import ConvergenceError, ModelSpecError, StatisticalWarning
from cxm.i18n import _

if TYPE_CHECKING:
    from cxm.analytics.pls.bootstrap import BootstrapResult

__all__ = ["PLSPM"]


class PLSPM:
    """Partial least squares path model (Wold 1982; Lohmöller 1989), mode A and B blocks.

    Parameters
    ----------
    model : str, Path or ModelSpec
        lavaan syntax (``=~`` mode A, ``<~`` mode B, ``~`` paths), a file, or a parsed spec.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme.
    max_iter, tol : int, float
        Stop when the summed absolute change of the outer weights is below ``tol``
        (seminr's ``stop_criterion = 7`` is ``tol = 1e-7``), or raise
        :class:`ConvergenceError` after ``max_iter`` updates.
    missing : {"mean", "casewise"}
        Mean imputation per indicator or deletion of incomplete rows; reported in
        ``missing_report_``, ``missing_method_`` and ``n_rows_``.
    standardize : bool
        Work on correlations (the default, as SmartPLS and seminr). ``False`` uses the
        covariances of the centred raw items.
    scale : (lo, hi) or {construct: (lo, hi)}, optional
        Answer scale for the 0–100 construct indices; default 1 (or the smallest answer)
        to the largest observed answer.

    Attributes
    ----------
    outer_weights_, outer_loadings_ : DataFrame
        ``construct, indicator, estimate``; weights give scores with unit variance.
    path_coefficients_, total_effects_, indirect_effects_ : DataFrame
        ``source, target, estimate``.
    r2_, r2_adj_ : Series, per endogenous construct.
    f2_ : DataFrame ``source, target, f2`` (Cohen's f², each path left out and refitted).
    scores_ : DataFrame, latent scores (unit variance) for the rows used.
    construct_indices_ : Series, 0–100 per construct (ACSI method).
    n_iter_, converged_, missing_report_, n_ : fit bookkeeping (``n_`` rows used).
    missing_method_, n_rows_ : how missing values were handled, and the rows given.
    warnings_ : list of str, the statistical warnings of the fit (e.g. negative weights).

    Notes
    -----
    The algorithm is seminr's ``simplePLS`` (mode A: :math:`w = \\mathrm{cov}(x, \\tilde y)`;
    mode B: :math:`w = R_{xx}^{-1}\\mathrm{cor}(x, \\tilde y)`; path scheme inner weights:
    regression on antecedents, correlation with successors), run on the indicator
    correlation matrix. Path coefficients are OLS on the standardised scores,
    :math:`R^2_{adj} = 1 - (1-R^2)(n-1)/(n-k-1)`, total effects :math:`(I-B)^{-1} - I`.
    Each block is oriented so that most of its loadings are positive. Estimates agree with
    the seminr port from PyPI (``estimate_pls`` with ``composite(..., mode_A/mode_B)``) to
    1e-10 — tests/test_pls_reference.py.

    References
    ----------
    Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
    Hair, J. F. et al. (2022). *A Primer on PLS-SEM*, 3rd ed.

    Examples
    --------
    >>> from cxm.analytics.pls import PLSPM, load_template  # doctest: +SKIP
    >>> PLSPM(load_template("ecsi")).fit(df).path_coefficients_  # doctest: +SKIP
    """

    def __init__(
        self,
        model: str | Path | ModelSpec,
        *,
        scheme: _engine.Scheme = "path",
        max_iter: int = 300,
        tol: float = 1e-7,
        missing: Missing = "mean",
        standardize: bool = True,
        scale: indices.Scale | None = None,
    ) -> None:
        if scheme not in ("path", "centroid", "factorial"):
            raise ModelSpecError(
                _("Unknown scheme {scheme}: use path, centroid or factorial.", scheme=scheme)
            )
        self.model = model
        self.scheme: _engine.Scheme = scheme
        self.max_iter = max_iter
        self.tol = tol
        self.missing: Missing = missing
        self.standardize = standardize
        self.scale = scale

    # ----------------------------------------------------------------- fitting
    def fit(self, df: pd.DataFrame) -> Self:
        """Estimate the model on ``df`` (one row per respondent, one column per item)."""
        spec = self.model if isinstance(self.model, ModelSpec) else parse_model(self.model)
        prepared = prepare(df, spec, self.missing)
        z = prepared.z if self.standardize else prepared.raw - prepared.means
        self.spec_ = spec
        self._layout = _engine.Layout.from_spec(spec)
        self._z = z
        self._unit = prepared.sds if self.standardize else np.ones_like(prepared.sds)
        self._prepared = prepared
        self.n_ = z.shape[0]
        self._r = prepared.corr if self.standardize else prepared.cov
        self._check_formative_blocks()
        self._fit_matrix()
        return self

    def _check_formative_blocks(self) -> None:
        """Mode B regresses on the block's indicators: they must not be collinear."""
        corr = self._prepared.corr
        for k in self._layout.mode_b:
            ix = self._layout.block_index[k]
            if len(ix) > 1 and np.linalg.cond(corr[np.ix_(ix, ix)]) > 1e10:
                block = self.spec_.blocks[k]
                raise ModelSpecError(
                    _(
                        "Model line {line}: the indicators of formative block {construct} are "
                        "(almost) perfectly collinear. Remove duplicated or summed indicators, "
                        "or use =~ for that block.",
                        line=block.line,
                        construct=block.name,
                    )
                )

    def _fit_matrix(self) -> None:
        try:
            sol = _engine.solve(self._r[None], self._layout, self.scheme, self.max_iter, self.tol)
        except np.linalg.LinAlgError:
            raise ModelSpecError(
                _(
                    "The model cannot be estimated: the indicators of a formative (<~) block or "
                    "the predictors of a construct are perfectly collinear. Remove duplicated "
                    "indicators, or use =~ for that block."
                )
            ) from None
        self.n_iter_ = int(sol.n_iter[0])
        self.converged_ = bool(sol.converged[0])
        if not self.converged_:
            raise ConvergenceError(
                _(
                    "The PLS algorithm did not converge in {n} iterations. Try: more "
                    "iterations (max_iter), a looser tolerance (tol), the factorial or "
                    "centroid scheme, or check blocks with near-duplicate or weakly related "
                    "indicators.",
                    n=self.max_iter,
                )
            )
        self._solution = sol
        self._results()

    def _results(self) -> None:
        spec, layout, sol = self.spec_, self._layout, self._solution
        self.outer_weights_ = _tidy.indicator_table(layout, sol.weights[0])
        self.outer_loadings_ = _tidy.indicator_table(layout, sol.loadings[0])
        self.path_coefficients_ = _tidy.path_table(spec, layout, sol.paths[0])
        pairs = _tidy.effect_pairs(layout)
        self.total_effects_ = _tidy.pair_table(layout, sol.total[0], pairs)
        self.indirect_effects_ = _tidy.pair_table(layout, sol.total[0] - sol.paths[0], pairs)
        endo = list(spec.endogenous)
        self.r2_ = pd.Series(sol.r2[0], index=endo, name="r2", dtype=float)
        k = np.array([len(spec.antecedents(t)) for t in endo], dtype=float)
        n = self.n_
        self.r2_adj_ = pd.Series(
            1 - (1 - sol.r2[0]) * (n - 1) / (n - k - 1), index=endo, name="r2_adj", dtype=float
        )
        self.scores_ = pd.DataFrame(
            self._z @ sol.weights[0], index=self._prepared.index, columns=list(spec.constructs)
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            self.construct_indices_ = indices.construct_indices(
                layout, sol.weights[0], self._prepared.raw, self._unit, self.scale
            )
        #: Statistical warnings of this fit (also raised as :class:`StatisticalWarning`).
        self.warnings_ = [str(w.message) for w in caught]
        for message in self.warnings_:
            warnings.warn(message, StatisticalWarning, stacklevel=4)
        self.missing_report_ = self._prepared.missing_report
        self.missing_method_ = self._prepared.missing_method
        self.n_rows_ = self._prepared.n_rows
        self._index_params(pairs)
        self.__dict__.pop("f2_", None)
        self.__dict__.pop("data_", None)
        self.bootstrap_: BootstrapResult | None = None

    def _index_params(self, pairs: list[tuple[int, int]]) -> None:
        """Name the flat parameter vector the bootstrap works on."""
        layout, spec = self._layout, self.spec_
        pos = {c: k for k, c in enumerate(layout.constructs)}
        self._spec_pairs = [(pos[p.source], pos[p.target]) for p in spec.paths]
        self._eff_pairs = pairs
        names: list[tuple[str, str, str]] = [("path", p.source, p.target) for p in spec.paths]
        for kind in ("loading", "weight"):
            names += [(kind, b.name, i) for b in spec.blocks for i in b.indicators]
        names += [("total", layout.constructs[i], layout.constructs[j]) for i, j in pairs]
        names += [("r2", t, "") for t in spec.endogenous]
        self._param_names = pd.DataFrame(names, columns=["kind", "a", "b"])

    def _param_vector(self) -> npt.NDArray[np.float64]:
        from cxm.analytics.pls.bootstrap import _params

        out = _params(self._solution, self._layout, self._spec_pairs, self._eff_pairs)
        return np.asarray(out[0], dtype=np.float64)

    # ----------------------------------------------------------------- derived
    @cached_property
    def f2_(self) -> pd.DataFrame:
        """Cohen's f² = (R²_incl − R²_excl)/(1 − R²_incl), refitting without each path.

        As seminr's ``model_fsquares``: the reduced model is re-estimated on the same data
        (a construct left without any path is dropped from it).
        """
        rows = []
        for p in self.spec_.paths:
            r2_in = float(self.r2_[p.target])
            r2_out = self._r2_without(p.source, p.target)
            rows.append((p.source, p.target, (r2_in - r2_out) / (1 - r2_in)))
        return pd.DataFrame(rows, columns=["source", "target", "f2"])

    def _r2_without(self, source: str, target: str) -> float:
        reduced = self.spec_.without_path(source, target)
        if not reduced.antecedents(target):
            return 0.0
        linked = {q.source for q in reduced.paths} | {q.target for q in reduced.paths}
        blocks = tuple(b for b in reduced.blocks if b.name in linked)
        reduced = ModelSpec(blocks, reduced.paths, reduced.source)
        keep = [self._layout.indicators.index(i) for i in reduced.indicators]
        layout = _engine.Layout.from_spec(reduced)
        r = self._r[np.ix_(keep, keep)][None]
        sol = _engine.solve(r, layout, self.scheme, self.max_iter, self.tol)
        j = [t for t, _a in layout.endogenous].index(layout.constructs.index(target))
        return float(sol.r2[0, j])

    @cached_property
    def data_(self) -> pd.DataFrame:
        """The estimation data: indicators after missing-value handling (raw scale)."""
        return pd.DataFrame(
            self._prepared.raw, index=self._prepared.index, columns=list(self._layout.indicators)
        )

    def respondent_indices(self) -> pd.DataFrame:
        """The 0–100 construct index for each respondent (rows used × constructs)."""
        return indices.respondent_indices(
            self._layout,
            self._solution.weights[0],
            self._prepared.raw,
            self._unit,
            self.scale,
            self._prepared.index,
        )

    def reliability(self) -> pd.DataFrame:
        """α, ρA, ρc and AVE per construct (see :func:`quality.reliability`)."""
        return quality.reliability(self)

    def htmt(self) -> pd.DataFrame:
        return quality.htmt(self)

    def fornell_larcker(self) -> pd.DataFrame:
        return quality.fornell_larcker(self)

    def indicator_vif(self) -> pd.DataFrame:
        return quality.indicator_vif(self)

    def inner_vif(self) -> pd.DataFrame:
        return quality.inner_vif(self)

    def bootstrap(self, n_boot: int = 5000, **kwargs: Any) -> BootstrapResult:
        """Bootstrap this fit (see :func:`cxm.analytics.pls.bootstrap.bootstrap`)."""
        from cxm.analytics.pls.bootstrap import bootstrap

        self.bootstrap_ = bootstrap(self, n_boot, **kwargs)
        return self.bootstrap_

    # ----------------------------------------------------------------- reporting
    @property
    def summary(self) -> pd.DataFrame:
        """One row per structural path: estimate, f² and, after :meth:`bootstrap`, se, t,
        p and the intervals."""
        out = self.path_coefficients_.merge(self.f2_, on=["source", "target"])
        if self.bootstrap_ is not None:
            extra = self.bootstrap_.paths.drop(columns=["estimate"])
            out = out.merge(extra, on=["source", "target"])
        return out

    def print_summary(self, decimals: int = 3) -> None:
        """Write a readable summary to standard output."""
        parts = [
            _(
                "PLS path model: {n} observations, {k} constructs, scheme {scheme}, "
                "{it} iterations.",
                n=self.n_,
                k=len(self.spec_.constructs),
                scheme=self.scheme,
                it=self.n_iter_,
            ),
            "",
            self.summary.round(decimals).to_string(index=False),
            "",
            pd.DataFrame({"r2": self.r2_, "r2_adj": self.r2_adj_}).round(decimals).to_string(),
            "",
            self.reliability().round(decimals).to_string(index=False),
            "",
            self.construct_indices_.round(1).to_string(),
        ]
        sys.stdout.write("\n".join(parts) + "\n")
