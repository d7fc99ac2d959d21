"""The shipped satisfaction-index models: ``load_template("ecsi")`` and the listing.

Each template is a lavaan file in ``templates/`` whose header documents its constructs,
indicators (named like the ECSI ``mobi`` data: IMAG1.., CUEX1.., PERQ1.., PERV1..,
CUSA1.., CUSCO, CUSL1..) and paths, with the published source.
"""

from __future__ import annotations

from importlib import resources

from cxm.analytics.pls.syntax import ModelSpec, parse_model
from cxm.errors import ModelSpecError
from cxm.i18n import _

__all__ = ["TEMPLATES", "load_template", "template_text"]

#: Template name → one-line description.
TEMPLATES: dict[str, str] = {
    "acsi": "American Customer Satisfaction Index (Fornell et al. 1996): 6 constructs",
    "ecsi": "European Customer Satisfaction Index, mobile-phone model (mobi): 7 constructs",
    "ccsi": "China Customer Satisfaction Index (Tsinghua CCSI / GB/T 19038): 6 constructs",
}


def template_text(name: str) -> str:
    """The lavaan text of template ``name`` (acsi, ecsi, ccsi)."""
    key = name.strip().lower()
    if key not in TEMPLATES:
        raise ModelSpecError(
            _(
                "Unknown model template {name}: use one of {names}.",
                name=name,
                names=", ".join(TEMPLATES),
            )
        )
    folder = resources.files("cxm.analytics.pls").joinpath("templates")
    return folder.joinpath(f"{key}.lavaan").read_text(encoding="utf-8")


def load_template(name: str) -> ModelSpec:
    """Parse the shipped template ``name`` into a :class:`ModelSpec`."""
    return parse_model(template_text(name))
