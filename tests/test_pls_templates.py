"""The shipped ACSI, ECSI and CCSI models: load, document themselves, fit, ship in the wheel."""

from __future__ import annotations

from importlib import resources

import pytest

from cxm.analytics.pls import PLSPM, TEMPLATES, load_template, template_text
from cxm.analytics.pls.simulate import simulate
from cxm.errors import ModelSpecError


def test_the_ecsi_template_is_the_mobi_model() -> None:
    spec = load_template("ecsi")
    assert spec.constructs == (
        "Image",
        "Expectation",
        "Quality",
        "Value",
        "Satisfaction",
        "Complaints",
        "Loyalty",
    )
    assert len(spec.indicators) == 24
    assert len(spec.paths) == 12
    assert spec.block("Complaints").indicators == ("CUSCO",)


def test_the_acsi_template_follows_fornell_1996() -> None:
    spec = load_template("ACSI")
    assert spec.constructs == (
        "Expectation",
        "Quality",
        "Value",
        "Satisfaction",
        "Complaints",
        "Loyalty",
    )
    assert set(spec.antecedents("Satisfaction")) == {"Expectation", "Quality", "Value"}
    assert set(spec.antecedents("Loyalty")) == {"Satisfaction", "Complaints"}
    assert "Fornell" in template_text("acsi")


def test_the_ccsi_template_adds_image_and_drops_complaints() -> None:
    spec = load_template("ccsi")
    assert "Image" in spec.constructs and "Complaints" not in spec.constructs
    assert "GB/T 19038" in template_text("ccsi")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_documents_every_construct_and_fits(name: str) -> None:
    text = template_text(name)
    spec = load_template(name)
    for construct in spec.constructs:
        assert f"#   {construct}" in text
    fit = PLSPM(spec).fit(simulate(spec, 300, seed=1))
    assert fit.converged_
    assert ((fit.construct_indices_ > 0) & (fit.construct_indices_ < 100)).all()


def test_templates_ship_as_package_data() -> None:
    folder = resources.files("cxm.analytics.pls").joinpath("templates")
    assert {f"{n}.lavaan" for n in TEMPLATES} <= {e.name for e in folder.iterdir()}


def test_an_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(ModelSpecError, match="acsi, ecsi, ccsi"):
        load_template("scsi")


def test_summary_and_print_summary_show_paths_and_bootstrap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = load_template("acsi")
    fit = PLSPM(spec).fit(simulate(spec, 200, seed=4))
    assert list(fit.summary.columns) == ["source", "target", "estimate", "f2"]
    fit.bootstrap(50, seed=1)
    assert {"se", "t", "p", "ci_low", "ci_high", "bca_low", "bca_high"} <= set(fit.summary.columns)
    fit.print_summary()
    out = capsys.readouterr().out
    assert "PLS path model: 200 observations, 6 constructs" in out
    assert "Satisfaction" in out and "rho_c" in out
