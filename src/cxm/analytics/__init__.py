"""Pure satisfaction analytics: DataFrames in, tidy DataFrames or frozen dataclasses out.

Usable on its own, like a statistics package::

    from cxm.analytics import csat, scores, key_drivers, pls

The public API is exactly :data:`__all__` (a test holds it so). Scores, scale quality,
indices, drivers and loyalty are re-exported here; the PLS path-modelling engine is the
subpackage :mod:`cxm.analytics.pls`, imported lazily on first use. Note that the function
:func:`scores` shadows the module of the same name as an attribute of this package: import
from the module with ``from cxm.analytics.scores import ...``.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from importlib.util import find_spec as _find_spec
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

# Eager: cheap (numpy, pandas), and the function ``scores`` must shadow its module.
from cxm.analytics.scores import (
    FIVE_POINT,
    HUNDRED_POINT_WEIGHTS,
    csat,
    mean_score,
    score_100,
    scores,
)

if _TYPE_CHECKING:  # imported on first use: they need scipy.stats (``cxm`` starts fast)
    from cxm.analytics.drivers import KeyDrivers, key_drivers, relative_weights, shapley_r2
    from cxm.analytics.index import SatisfactionIndex, importance_index, pca_index
    from cxm.analytics.ipa import QUADRANTS, importance_performance
    from cxm.analytics.loyalty import (
        LOYALTY_FACETS,
        SatisfiedNotLoyal,
        loyalty_by_satisfaction,
        loyalty_index,
        satisfaction_loyalty_correlation,
        satisfied_not_loyal,
    )
    from cxm.analytics.reliability import (
        cronbach_alpha,
        fornell_larcker,
        htmt,
        scale_reliability,
        vif,
    )
    from cxm.analytics.scores_change import compare_waves
    from cxm.analytics.scores_nps import effort_score, nps

#: public name → the module that defines it (imported lazily by :func:`__getattr__`).
_HOMES: dict[str, str] = {
    **dict.fromkeys(("KeyDrivers", "key_drivers", "relative_weights", "shapley_r2"), "drivers"),
    **dict.fromkeys(("SatisfactionIndex", "importance_index", "pca_index"), "index"),
    **dict.fromkeys(("QUADRANTS", "importance_performance"), "ipa"),
    **dict.fromkeys(
        (
            "LOYALTY_FACETS",
            "SatisfiedNotLoyal",
            "loyalty_by_satisfaction",
            "loyalty_index",
            "satisfaction_loyalty_correlation",
            "satisfied_not_loyal",
        ),
        "loyalty",
    ),
    **dict.fromkeys(
        ("cronbach_alpha", "fornell_larcker", "htmt", "scale_reliability", "vif"), "reliability"
    ),
    "compare_waves": "scores_change",
    **dict.fromkeys(("effort_score", "nps"), "scores_nps"),
}

__all__ = [
    "FIVE_POINT",
    "HUNDRED_POINT_WEIGHTS",
    "LOYALTY_FACETS",
    "QUADRANTS",
    "KeyDrivers",
    "SatisfactionIndex",
    "SatisfiedNotLoyal",
    "compare_waves",
    "cronbach_alpha",
    "csat",
    "effort_score",
    "fornell_larcker",
    "htmt",
    "importance_index",
    "importance_performance",
    "key_drivers",
    "loyalty_by_satisfaction",
    "loyalty_index",
    "mean_score",
    "nps",
    "pca_index",
    "relative_weights",
    "satisfaction_loyalty_correlation",
    "satisfied_not_loyal",
    "scale_reliability",
    "score_100",
    "scores",
    "shapley_r2",
    "vif",
]

# The PLS engine is a separate subpackage (its own team); export it only where it exists,
# so that this package imports cleanly either way.
if _find_spec("cxm.analytics.pls") is not None:
    __all__ += ["pls"]


def __getattr__(name: str) -> _Any:
    if name == "pls":
        return _import_module("cxm.analytics.pls")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cxm.analytics' has no attribute {name!r}")
    value = getattr(_import_module(f"cxm.analytics.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
