"""Argued targets on a cost curve fitted from measured pairs, and the manager's recorded
override reason.

The fit is checked against statsmodels' WLS (an independent implementation): the same
coefficients and covariance. The closed-form optimum is checked against scipy's numerical
maximisation of the net value on the fitted curve."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from cxm.analytics.cost_curve import fit_cost_curve, fitted_targets
from cxm.errors import InputError
from cxm.store import Store

PAIRS = pd.DataFrame(
    {
        "segment": ["a", "b", "c", "d", "e"],
        "cost_per_customer_year": [10.0, 25.0, 60.0, 150.0, 400.0],
        "score": [50.0, 64.0, 63.0, 78.0, 77.0],
        "se": [2.0, 1.5, 2.5, 1.0, 3.0],
    }
)


def test_the_fit_matches_statsmodels_wls() -> None:
    import statsmodels.api as sm

    fit = fit_cost_curve(PAIRS)
    # sm.WLS(score, add_constant(log(cost)), weights=1/se**2).fit()
    ref = sm.WLS(
        PAIRS["score"],
        sm.add_constant(np.log(PAIRS["cost_per_customer_year"])),
        weights=1 / PAIRS["se"] ** 2,
    ).fit()
    assert ref.scale > 1  # the pairs scatter more than their errors: the scale is used
    assert (fit.alpha, fit.beta) == pytest.approx(tuple(ref.params), rel=1e-10)
    assert np.array(fit.cov) == pytest.approx(ref.cov_params().to_numpy(), rel=1e-9)
    assert fit.r_squared == pytest.approx(ref.rsquared, rel=1e-9)
    # pairs that agree better than their errors: the errors alone bound the precision,
    # which is statsmodels' fit(cov_type="fixed scale") (scale 1)
    tight = PAIRS.assign(se=PAIRS["se"] * 10)
    fit = fit_cost_curve(tight)
    ref = sm.WLS(
        tight["score"],
        sm.add_constant(np.log(tight["cost_per_customer_year"])),
        weights=1 / tight["se"] ** 2,
    ).fit(cov_type="fixed scale")
    assert np.array(fit.cov) == pytest.approx(ref.cov_params().to_numpy(), rel=1e-9)


def test_the_optimum_is_where_net_value_peaks_and_moves_the_right_way() -> None:
    from scipy.optimize import minimize_scalar

    fit = fit_cost_curve(PAIRS)
    econ = pd.DataFrame(
        {"segment": ["low", "high"], "clv": [400.0, 4000.0], "retention_per_point": [0.01, 0.01]}
    )
    out = fitted_targets(fit, econ, floor=0.0).set_index("segment")
    for seg, value in (("low", 4.0), ("high", 40.0)):
        best = minimize_scalar(
            lambda s, v=value: -(v * s - float(fit.cost_at(s))), bounds=(0, 100), method="bounded"
        )
        assert out.loc[seg, "optimum"] == pytest.approx(best.x, abs=1e-3)
        assert out.loc[seg, "optimum_low"] < out.loc[seg, "optimum"] < out.loc[seg, "optimum_high"]
        # marginal cost equals marginal value at the optimum
        assert out.loc[seg, "marginal_cost_at_target"] == pytest.approx(value, rel=1e-6)
    # a ten times higher CLV raises the target by beta × ln 10
    assert out.loc["high", "target"] - out.loc["low", "target"] == pytest.approx(
        fit.beta * np.log(10), rel=1e-9
    )
    # a dearer way to the same scores (costs doubled) lowers it by beta × ln 2
    dearer = fit_cost_curve(PAIRS.assign(cost_per_customer_year=PAIRS.cost_per_customer_year * 2))
    moved = fitted_targets(dearer, econ, floor=0.0).set_index("segment")
    assert out.loc["low", "target"] - moved.loc["low", "target"] == pytest.approx(
        fit.beta * np.log(2), rel=1e-6
    )
    # the good-enough floor holds
    floored = fitted_targets(fit, econ, floor=95.0).set_index("segment")
    assert floored.loc["low", "target"] == 95.0 and floored.loc["low", "floor_binding"]


def test_too_few_pairs_or_a_curve_that_does_not_rise_are_refused() -> None:
    with pytest.raises(InputError, match="at least 3 measured pairs"):
        fit_cost_curve(PAIRS.iloc[:2])
    with pytest.raises(InputError, match="does not go with a higher score"):
        fit_cost_curve(PAIRS.assign(score=PAIRS["score"][::-1].to_numpy()))


def _three_bands(store: Store) -> None:
    """surveyed_company plus a definition ``bands`` of three segments with service levels;
    the dearer a band's service, the higher its measured score (costs are assigned in the
    order of the scores, so the fitted curve rises)."""
    from cxm.customers.models import Customer
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute
    from cxm.service_levels import set_service_level
    from tests.management_factories import surveyed_company

    surveyed_company(store, n=120)
    with store.session() as s:
        for i, c in enumerate(s.scalars(select(Customer).order_by(Customer.id))):
            c.attributes = {**(c.attributes or {}), "band": "abc"[i % 3]}
    rules = {
        "segments": [
            {"name": f"档{b}", "conditions": [{"field": "attributes.band", "op": "eq", "value": b}]}
            for b in "abc"
        ]
    }
    with store.session() as s:
        define_segments(s, name="bands", kind="rule", parameters=rules)
        recompute(s, "bands")
        for b in "abc":
            set_service_level(
                s, name=f"服务{b}", definition="bands", segment=f"档{b}", cost_to_serve=1
            )
    from cxm.standards.service_levels import measured_pairs

    with store.session() as s:
        ranked = measured_pairs(s, "bands", item="OVERALL").sort_values("score")
        for seg, cost in zip(ranked["segment"], (20, 60, 180), strict=True):
            set_service_level(s, name=f"服务{seg[-1]}", cost_to_serve=cost)


def test_propose_fits_the_curve_and_an_override_needs_a_recorded_reason(cxm, store) -> None:  # type: ignore[no-untyped-def]
    from cxm.audit.models import AuditEntry
    from cxm.standards.service_levels import measured_pairs

    _three_bands(store)
    with store.session() as s:
        pairs = measured_pairs(s, "bands", item="OVERALL")
    assert len(pairs) == 3 and pairs["n"].sum() == 120
    assert pairs.sort_values("score")["cost_per_customer_year"].tolist() == [20, 60, 180]
    # the fit in the command is the analytics fit on these pairs
    expected = fit_cost_curve(pairs)
    r = cxm(
        "targets", "propose", "bands", "--kpi", "score100", "--rule", "argued",
        "--item", "OVERALL", "--save", "--by", "王经理", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["curve_source"] == "fitted"
    assert doc["fit"]["beta"] == pytest.approx(expected.beta)
    proposal = {p["segment"]: p for p in doc["proposals"]}["档a"]
    r = cxm("targets", "set", "bands", "档a", "--kpi", "score100", "--value", "99")
    assert r.exit_code == 1 and "needs a reason" in r.stderr
    r = cxm(
        "targets", "set", "bands", "档a", "--kpi", "score100", "--value", "99",
        "--reason", "总部要求本季度冲刺", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    saved = json.loads(r.stdout)
    assert saved["proposed"] == pytest.approx(proposal["target"])
    assert saved["override_reason"] == "总部要求本季度冲刺"
    with store.session() as s:
        last = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "target").order_by(AuditEntry.id.desc())
        ).first()
        assert last is not None and last.after["override_reason"] == "总部要求本季度冲刺"
    r = cxm("targets", "report", "bands", "--kpi", "score100", "--item", "OVERALL", "--json")
    assert r.exit_code == 0, r.stderr
    rows = [x for x in json.loads(r.stdout)["rows"] if x["segment"] == "档a"]
    assert rows and rows[0]["override_reason"] == "总部要求本季度冲刺"
    assert rows[0]["proposed"] == pytest.approx(proposal["target"])
    # back to the proposal: no reason needed, the old one is cleared
    r = cxm(
        "targets", "set", "bands", "档a", "--kpi", "score100",
        "--value", str(proposal["target"]), "--json",
    )  # fmt: skip
    assert r.exit_code == 0 and json.loads(r.stdout)["override_reason"] is None
