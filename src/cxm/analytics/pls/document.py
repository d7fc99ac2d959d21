"""The JSON document of a fitted PLS path model: what ``cxm analyze --json`` prints and
the manager's report draws — one function, so the two cannot differ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from cxm.analytics.pls.model import PLSPM

__all__ = ["result_document"]


def _records(frame: pd.DataFrame, rename: dict[str, str] | None = None) -> list[dict[str, Any]]:
    records = frame.rename(columns=rename or {}).to_dict(orient="records")
    return [{str(k): v for k, v in r.items()} for r in records]


def result_document(fit: PLSPM) -> dict[str, Any]:
    """Everything a report needs, as one JSON-able dict (the ``--json`` document)."""
    boot = fit.bootstrap_
    stat_cols = ["se", "t", "p", "ci_low", "ci_high", "bca_low", "bca_high"]

    def with_boot(base: pd.DataFrame, table: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
        if table is None:
            return base.assign(**dict.fromkeys(stat_cols))
        return base.merge(table[[*keys, *stat_cols]], on=keys, how="left")

    paths = with_boot(fit.path_coefficients_, boot.paths if boot else None, ["source", "target"])
    paths = paths.merge(fit.f2_, on=["source", "target"])
    keys = ["construct", "indicator"]
    report = fit.missing_report_
    doc = {
        "n": fit.n_,
        "iterations": fit.n_iter_,
        "converged": fit.converged_,
        "scheme": fit.scheme,
        "missing": {
            "method": fit.missing_method_,
            "rows": fit.n_rows_,
            "rows_used": fit.n_,
            "indicators": _records(report[report["n_missing"] > 0]),
        },
        "paths": _records(paths, {"source": "from", "target": "to"}),
        "r2": fit.r2_.to_dict(),
        "r2_adj": fit.r2_adj_.to_dict(),
        "loadings": _records(with_boot(fit.outer_loadings_, boot.loadings if boot else None, keys)),
        "weights": _records(with_boot(fit.outer_weights_, boot.weights if boot else None, keys)),
        "total_effects": _records(
            with_boot(
                fit.total_effects_, boot.total_effects if boot else None, ["source", "target"]
            ),
            {"source": "from", "target": "to"},
        ),
        "indices": fit.construct_indices_.to_dict(),
        "warnings": list(fit.warnings_),
        "reliability": _records(fit.reliability()),
        "htmt": _records(fit.htmt()),
        "indicator_vif": _records(fit.indicator_vif()),
        "inner_vif": _records(fit.inner_vif(), {"source": "from", "target": "to"}),
        "bootstrap": None
        if boot is None
        else {
            "resamples": boot.n_boot,
            "failed": boot.n_failed,
            "seed": boot.seed,
            "level": boot.level,
            "p_value": "two-sided, Student t with n-1 df on estimate/se",
        },
    }
    from cxm.analytics.quality import pls_flags

    doc["quality"] = [f.to_dict() for f in pls_flags(doc)]
    return doc
