"""The demo's texts in a real store (SQLite and PostgreSQL), read back by the report
section "what customers say"."""

from __future__ import annotations

from sqlalchemy import func, select

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Touchpoint
from cxm.demo import STEPS, run_demo
from cxm.reports.builder import STORE_SECTIONS, build_section
from cxm.reports.context import ReportContext
from cxm.store import Store
from cxm.text.models import TextEntry, TextSource

STEPS_USED = tuple(s for s in STEPS if s.name in ("company", "texts"))


def test_the_demo_writes_complaint_logs_and_the_section_reads_them(store: Store) -> None:
    run_demo(store, customers=1500, seed=3, steps=STEPS_USED)
    with store.session() as s:
        complaints = s.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .where(Touchpoint.stage == JourneyStage.COMPLAINT)
        )
        logs = s.scalars(
            select(TextEntry).where(TextEntry.source == TextSource.COMPLAINT_LOG)
        ).all()
        assert len(logs) == complaints and complaints > 100
        coded = [e for e in logs if e.staff_labels is not None]
        assert 0.3 < len(coded) / len(logs) < 0.5
        assert all(e.coded_by == "demo" for e in coded)
    assert "what_customers_say" in STORE_SECTIONS
    section = build_section("what_customers_say", ReportContext(store=store))
    assert not section.unavailable, section.unavailable
    by = section.data["overview"]["faults_and_emotions_by"]
    assert by["method"] == "staff_model"
    assert "passing_the_buck" not in by["classes"]  # never planted, never learned
    assert section.data["overview"]["faults"]["passing_the_buck"] == 0
    assert section.quotes and section.tables


def test_an_empty_store_says_there_is_nothing_to_read(store: Store) -> None:
    section = build_section("what_customers_say", ReportContext(store=store))
    assert section.unavailable


def test_the_kept_analysis_is_read_again_only_when_a_text_arrives_or_is_coded(
    store: Store,
) -> None:
    from cxm.text.service import what_customers_say_kept

    with store.session() as s:
        for i in range(3):
            s.add(TextEntry(source=TextSource.COMPLAINT_LOG, text=f"第{i}次等了很久，没人理"))
    with store.session() as s:
        first = what_customers_say_kept(s, lang="zh-CN")
        assert what_customers_say_kept(s, lang="zh-CN") is first  # nothing changed: kept
        assert what_customers_say_kept(s, lang="en") is not first  # per language
    with store.session() as s:
        s.add(TextEntry(source=TextSource.COMPLAINT_LOG, text="送货太慢"))
    with store.session() as s:
        second = what_customers_say_kept(s, lang="zh-CN")
    assert second is not first and second["overview"]["texts"] == 4
    with store.session() as s:
        entry = s.scalars(select(TextEntry).order_by(TextEntry.id)).first()
        assert entry is not None
        entry.staff_labels = ["slow"]
    with store.session() as s:
        assert what_customers_say_kept(s, lang="zh-CN") is not second  # coding counts too
