"""Bad data for a PLS model gets one clear error naming the model line, column, row, value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxm.analytics.pls import PLSPM, parse_model
from cxm.analytics.pls.simulate import simulate
from cxm.errors import ConvergenceError, ModelSpecError

MODEL = """
Sat =~ s1 + s2 + s3
Loy =~ l1 + l2
Loy ~ Sat
"""


@pytest.fixture
def data() -> pd.DataFrame:
    return simulate(parse_model(MODEL), 120, seed=3)


def test_it_names_unknown_columns(data: pd.DataFrame) -> None:
    with pytest.raises(ModelSpecError, match=r"line 3: column l2 \(indicator of Loy\) is not in"):
        PLSPM(MODEL).fit(data.drop(columns=["l2"]))


def test_it_names_a_non_numeric_value(data: pd.DataFrame) -> None:
    bad = data.astype(object)
    bad.loc[7, "s2"] = "very good"
    with pytest.raises(ModelSpecError, match=r"s2 of Sat is not numeric: row 8 holds 'very good'"):
        PLSPM(MODEL).fit(bad)


def test_numbers_stored_as_text_are_accepted(data: pd.DataFrame) -> None:
    as_text = data.astype(str)
    a = PLSPM(MODEL).fit(as_text).path_coefficients_
    b = PLSPM(MODEL).fit(data).path_coefficients_
    assert a["estimate"].tolist() == pytest.approx(b["estimate"].tolist(), abs=1e-12)


def test_it_rejects_a_constant_indicator(data: pd.DataFrame) -> None:
    data["l1"] = 7
    with pytest.raises(ModelSpecError, match=r"line 3: indicator l1 of Loy is constant .*7"):
        PLSPM(MODEL).fit(data)


def test_it_rejects_an_empty_indicator(data: pd.DataFrame) -> None:
    data["s3"] = np.nan
    with pytest.raises(ModelSpecError, match=r"s3 of Sat has no values"):
        PLSPM(MODEL).fit(data)


def test_casewise_deletion_reports_what_it_dropped(data: pd.DataFrame) -> None:
    data = data.astype(float)
    data.loc[[1, 2, 3], "s1"] = np.nan
    data.loc[[3, 4], "l2"] = np.nan
    fit = PLSPM(MODEL, missing="casewise").fit(data)
    assert fit.n_ == 120 - 4
    report = fit.missing_report_
    assert (fit.missing_method_, fit.n_rows_, fit.n_) == ("casewise", 120, 116)
    assert report.set_index("indicator").loc["s1", "n_missing"] == 3
    assert 1 not in fit.scores_.index and 5 in fit.scores_.index


def test_too_few_rows_is_an_error(data: pd.DataFrame) -> None:
    data = data.astype(float)
    data.loc[2:, "s1"] = np.nan
    with pytest.raises(ModelSpecError, match=r"Only 2 usable rows"):
        PLSPM(MODEL, missing="casewise").fit(data)


def test_it_rejects_unknown_settings() -> None:
    with pytest.raises(ModelSpecError, match="Unknown scheme"):
        PLSPM(MODEL, scheme="magic")  # type: ignore[arg-type]
    with pytest.raises(ModelSpecError, match="Unknown missing-value method"):
        PLSPM(MODEL, missing="drop").fit(pd.DataFrame())  # type: ignore[arg-type]


def test_non_convergence_says_what_to_try(data: pd.DataFrame) -> None:
    with pytest.raises(ConvergenceError, match=r"did not converge in 1 iterations. Try: more"):
        PLSPM(MODEL, max_iter=1, tol=1e-15).fit(data)


def test_a_collinear_formative_block_is_a_clear_error(data: pd.DataFrame) -> None:
    data["s4"] = data["s1"] + data["s2"]
    with pytest.raises(ModelSpecError, match="line 1: the indicators of formative block Sat"):
        PLSPM("Sat <~ s1 + s2 + s4\nLoy =~ l1 + l2\nLoy ~ Sat").fit(data)
