"""standardize=False works on covariances; on data already in z-scores it changes nothing."""

from __future__ import annotations

import numpy as np

from cxm.analytics.pls import PLSPM, load_template
from cxm.analytics.pls.simulate import simulate


def test_unstandardized_fit_equals_standardized_on_z_scores() -> None:
    spec = load_template("ecsi")
    df = simulate(spec, 300, seed=8)
    z = (df - df.mean()) / df.std()
    a = PLSPM(spec).fit(z)
    b = PLSPM(spec, standardize=False).fit(z)
    assert np.allclose(a.path_coefficients_["estimate"], b.path_coefficients_["estimate"])
    assert np.allclose(a.reliability()["rho_a"], b.reliability()["rho_a"])


def test_unstandardized_reliability_is_on_the_standardised_scale() -> None:
    spec = load_template("ecsi")
    df = simulate(spec, 300, seed=8)
    df["PERQ1"] *= 10.0  # one item on a wider scale
    std = PLSPM(spec).fit(df).reliability().set_index("construct")
    raw = PLSPM(spec, standardize=False).fit(df).reliability().set_index("construct")
    assert ((raw["rho_c"] > 0) & (raw["rho_c"] <= 1)).all()
    assert np.allclose(raw.loc["Image", "rho_c"], std.loc["Image", "rho_c"], atol=0.05)
