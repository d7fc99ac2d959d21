"""p, np, u and XmR charts against published examples, and each rule tripped exactly once.

Published data live in ``tests/data/control_charts`` (sources in its README.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxm.analytics.control_charts import ChartLimits, control_chart
from cxm.errors import InputError

DATA = Path(__file__).parent / "data" / "control_charts"


def test_p_chart_matches_montgomery_orange_juice_cans() -> None:
    # Montgomery, Introduction to Statistical Quality Control, the first p-chart example
    # (frozen orange-juice cans, 30 samples of 50): p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524,
    # samples 15 and 23 above the upper limit.
    df = pd.read_csv(DATA / "montgomery_orange_juice_cans.csv")
    chart = control_chart(df, "p", "nonconforming", "cans", rules="western_electric")
    pts = chart.points
    assert chart.limits.centre == pytest.approx(0.2313, abs=5e-5)
    assert pts["ucl"].iloc[0] == pytest.approx(0.4102, abs=5e-5)
    assert pts["lcl"].iloc[0] == pytest.approx(0.0524, abs=5e-5)
    beyond = chart.violations[chart.violations["rule"] == "we_1"]
    assert list(beyond["point"]) == [15, 23]


def test_np_chart_is_the_p_chart_times_the_sample_size() -> None:
    df = pd.read_csv(DATA / "montgomery_orange_juice_cans.csv")
    chart = control_chart(df, "np", "nonconforming", "cans")
    assert chart.points["centre"].iloc[0] == pytest.approx(50 * 0.2313, abs=5e-3)
    assert chart.points["ucl"].iloc[0] == pytest.approx(50 * 0.4102, abs=5e-3)
    assert chart.points["lcl"].iloc[0] == pytest.approx(50 * 0.0524, abs=5e-3)
    assert list(chart.violations.query("rule == 'nelson_1'")["point"]) == [15, 23]


def test_u_chart_matches_montgomery_personal_computers() -> None:
    # Montgomery, the u-chart example (20 samples of 5 computers): ū = 1.93, UCL = 3.79,
    # LCL = 0.07, no point out of control.
    df = pd.read_csv(DATA / "montgomery_personal_computers.csv")
    chart = control_chart(df, "u", "nonconformities", "computers")
    assert chart.limits.centre == pytest.approx(1.93, abs=5e-3)
    assert chart.points["ucl"].iloc[0] == pytest.approx(3.79, abs=5e-3)
    assert chart.points["lcl"].iloc[0] == pytest.approx(0.07, abs=5e-3)
    assert chart.violations.query("rule == 'nelson_1'").empty


def test_xmr_chart_matches_the_sas_qc_tire_example() -> None:
    # SAS/QC User's Guide, "Displaying Individual Measurements on an EWMA Chart", listing of
    # Tlimits: _LCLI_ 23.8571, _MEAN_ 24.0083, _UCLI_ 24.1596, _R_ 0.056897, _UCLR_ 0.18585,
    # _STDDEV_ 0.050423.
    df = pd.read_csv(DATA / "sas_qc_tire_diameters.csv")
    chart = control_chart(df, "xmr", "diameter")
    lim, pts = chart.limits, chart.points
    assert lim.centre == pytest.approx(24.0083, abs=5e-5)
    assert lim.mr_centre == pytest.approx(0.056897, abs=5e-7)
    assert lim.sigma == pytest.approx(0.050423, abs=5e-7)
    assert pts["lcl"].iloc[0] == pytest.approx(23.8571, abs=5e-5)
    assert pts["ucl"].iloc[0] == pytest.approx(24.1596, abs=5e-5)
    assert pts["mr_ucl"].iloc[0] == pytest.approx(0.18585, abs=5e-6)
    assert chart.violations.query("rule in ('nelson_1', 'mr_1')").empty


def test_limits_come_from_the_base_period_and_stay_frozen() -> None:
    df = pd.read_csv(DATA / "montgomery_orange_juice_cans.csv")
    first = control_chart(df, "p", "nonconforming", "cans", base=20)
    assert first.limits.base_points == 20
    assert first.limits.centre == pytest.approx(df["nonconforming"][:20].sum() / 1000)
    assert first.points["base"].sum() == 20
    # later data judged against the frozen limits, not against itself
    worse = pd.concat([df, pd.DataFrame({"nonconforming": [30, 31], "cans": [50, 50]})])
    again = control_chart(
        worse, "p", "nonconforming", "cans", limits=ChartLimits.from_dict(first.limits.to_dict())
    )
    assert again.limits.to_dict() == first.limits.to_dict()
    assert {31, 32} <= set(again.violations.query("rule == 'nelson_1'")["point"])


# Constructed series on a frozen standard (centre 0, σ 1): a background that breaks no rule,
# then one pattern that breaks exactly one rule exactly once.
BACKGROUND = [0.5, 0.7, -0.5, -1.2] * 5
PATTERNS = {
    "nelson_1": [3.5],
    "nelson_2": [0.3, 0.6, 0.4, 0.7, 0.5, 0.3, 0.6, 0.4, 0.5, -0.4],
    "nelson_3": [-1.3, -0.9, -0.6, -0.3, 0.1, 0.4, -0.4],
    "nelson_4": [0.5, -0.5, 0.6, -0.6, 0.4, -0.4, 0.5, -0.5, 0.6, -1.1, 0.8, 0.6],
    "nelson_5": [-0.4, 2.5, 0.3, 2.4, -0.6],
    "nelson_6": [-0.4, 1.5, 1.2, 0.2, 1.4, 1.3, -0.6],
    "nelson_7": [
        *[0.5, -0.5, 0.4, -0.4, 0.3, 0.6, -0.3, -0.6, 0.2, 0.5, -0.2, -0.5, 0.4, 0.6],
        *[-0.4, 1.6],
    ],
    "nelson_8": [1.5, -1.5, 1.2, -1.3, 1.4, -1.2, 1.6, 0.2],
    "we_1": [3.5],
    "we_2": [-0.4, 2.5, 0.3, 2.4, -0.6],
    "we_3": [-0.4, 1.5, 1.2, 0.2, 1.4, 1.3, -0.6],
    "we_4": [0.3, 0.6, 0.4, 0.7, 0.5, 0.3, 0.6, 0.4, -0.4],
}
STANDARD = ChartLimits("xmr", centre=0.0, sigma=1.0, mr_centre=100.0, base_points=0)


def _violations(values: list[float], rules: str) -> list[str]:
    chart = control_chart(
        pd.DataFrame({"x": values}),
        "xmr",
        "x",
        limits=STANDARD,
        rules=rules,  # type: ignore[arg-type]
    )
    return list(chart.violations["rule"])


@pytest.mark.parametrize("rules", ["nelson", "western_electric"])
def test_the_background_breaks_no_rule(rules: str) -> None:
    assert _violations(BACKGROUND * 2, rules) == []


@pytest.mark.parametrize("rule", sorted(PATTERNS))
def test_each_rule_trips_exactly_once(rule: str) -> None:
    rules = "nelson" if rule.startswith("nelson") else "western_electric"
    assert _violations(BACKGROUND + PATTERNS[rule] + BACKGROUND, rules) == [rule]


def test_out_of_control_points_carry_their_rules() -> None:
    chart = control_chart(
        pd.DataFrame({"x": [*BACKGROUND, 3.5, *BACKGROUND]}), "xmr", "x", limits=STANDARD
    )
    bad = chart.points[chart.points["out_of_control"]]
    assert list(bad["point"]) == [21] and list(bad["rules"]) == ["nelson_1"]
    assert "3 sigma" in chart.violations["description"].iloc[0]


def test_moving_range_beyond_its_limit_is_listed() -> None:
    values = [10.0, 10.2, 9.9, 10.1] * 6 + [14.0, 10.0]
    chart = control_chart(pd.DataFrame({"x": values}), "xmr", "x", base=24)
    assert {25, 26} <= set(chart.violations.query("rule == 'mr_1'")["point"])


@pytest.mark.parametrize(
    ("frame", "kind", "size", "message"),
    [
        (pd.DataFrame({"d": [1] * 5, "n": [10] * 5}), "p", "n", "at least 20 base points"),
        (pd.DataFrame({"d": [1] * 25, "n": [10] * 24 + [0]}), "p", "n", "Point 25"),
        (pd.DataFrame({"d": [1] * 24 + [11], "n": [10] * 25}), "np", "n", "exceed the sample"),
        (pd.DataFrame({"d": [0] * 25, "n": [10] * 25}), "p", "n", "no spread"),
        (pd.DataFrame({"d": [1] * 25}), "u", None, "needs a sample size"),
        (pd.DataFrame({"d": [3.0] * 25}), "xmr", None, "needs some variation"),
    ],
)
def test_bad_input_is_refused_clearly(
    frame: pd.DataFrame, kind: str, size: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        control_chart(frame, kind, "d", size)  # type: ignore[arg-type]
