"""PLS path modelling: lavaan syntax, a vectorised estimator, bootstrap, index templates.

>>> from cxm.analytics.pls import PLSPM, load_template   # doctest: +SKIP
>>> fit = PLSPM(load_template("ecsi")).fit(df)          # doctest: +SKIP
>>> boot = fit.bootstrap(5000, seed=1)                   # doctest: +SKIP
>>> fit.print_summary()                                  # doctest: +SKIP
"""

from __future__ import annotations

from cxm.analytics.pls.bootstrap import BootstrapResult, bootstrap
from cxm.analytics.pls.catalog import TEMPLATES, load_template, template_text
from cxm.analytics.pls.document import result_document
from cxm.analytics.pls.model import PLSPM
from cxm.analytics.pls.simulate import simulate
from cxm.analytics.pls.syntax import Block, ModelSpec, StructuralPath, parse_model

__all__ = [
    "PLSPM",
    "TEMPLATES",
    "Block",
    "BootstrapResult",
    "ModelSpec",
    "StructuralPath",
    "bootstrap",
    "load_template",
    "parse_model",
    "result_document",
    "simulate",
    "template_text",
]
