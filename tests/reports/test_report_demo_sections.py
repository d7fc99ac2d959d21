"""The demo company's report shows every section: none says "not available", none has too
few answers, none failed. (A section that cannot import its analytics now raises, so this
test fails instead of showing a grey box.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxm.reports import STORE_SECTIONS, build_report
from cxm.reports.context import NotAvailable, optional_module
from cxm.reports.model import SHOWN
from cxm.store import Store


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_every_section_of_the_demo_report_is_shown(demo_db: Path) -> None:
    store = Store.open(f"sqlite:///{demo_db}")
    try:
        report = build_report(store, lang="en")
    finally:
        store.close()
    assert [s.key for s in report.sections] == list(STORE_SECTIONS)
    states = {s.key: (s.state, s.unavailable) for s in report.sections}
    assert states == dict.fromkeys(STORE_SECTIONS, (SHOWN, ""))
    for section in report.sections:
        assert section.data or section.key == "method", section.key


def test_a_missing_optional_package_is_not_available() -> None:
    with pytest.raises(NotAvailable, match="install the optional package no_such_pkg"):
        optional_module("no_such_pkg.charts")


def test_a_broken_module_of_cxm_is_an_error_not_a_missing_package() -> None:
    with pytest.raises(ModuleNotFoundError):
        optional_module("cxm.no_such_module")
