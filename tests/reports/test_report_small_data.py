"""A report on too little data says so section by section instead of failing or showing
noise: an empty store, and a demo company of 200 customers (a handful of answers a wave)."""

from __future__ import annotations

import pytest

from cxm.demo import STEPS, run_demo
from cxm.reports import STORE_SECTIONS, build_report
from cxm.reports.model import NO_DATA, NOT_COMPUTED, TOO_FEW
from cxm.store import Store


def test_an_empty_store_gives_a_report_of_plain_sentences(store: Store) -> None:
    report = build_report(store, lang="zh-CN")
    assert [s.key for s in report.sections] == list(STORE_SECTIONS)
    assert report.section("headline").unavailable == "还没有调查轮次。"
    assert all(s.unavailable for s in report.sections if s.key != "method")
    assert {s.state for s in report.sections if s.key != "method"} <= {NO_DATA, NOT_COMPUTED}


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_a_tiny_company_gets_no_model_from_a_handful_of_answers(store: Store) -> None:
    run_demo(store, customers=200, seed=4, steps=[s for s in STEPS if s.name != "report"])
    report = build_report(store, lang="en")
    assert not report.section("headline").unavailable
    assert report.section("model").unavailable.startswith("No answers yet in wave")
    assert report.section("model").state == TOO_FEW
    assert not report.section("churn").unavailable
