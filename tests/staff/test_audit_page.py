"""The audit log page: who changed what and when, newest first, filtered by kind, user and
days of the company's time zone, fifty a page; changes shown field by field."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from cxm.accounts.models import StaffUser
from cxm.audit.models import AuditEntry
from cxm.management.definitions import define_segments
from tests.staff.conftest import login


def _ids(store) -> dict[str, int]:
    with store.session() as s:
        return {str(n): int(i) for n, i in s.execute(select(StaffUser.name, StaffUser.id))}


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def test_filters_by_kind_user_and_company_days(client, store, users) -> None:
    ids = _ids(store)
    with store.session() as s:
        # 23:30 UTC on 1 March is already 2 March in Shanghai (UTC+8).
        s.add(
            AuditEntry(
                at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
                actor_id=ids["bob"],
                action="create",
                entity="target",
                entity_id="7",
                before=None,
                after={"segment": "高价值", "value": 0.9},
            )
        )
        s.add(
            AuditEntry(
                at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
                actor_id=None,
                action="replace",
                entity="target",
                entity_id="7",
                before={"segment": "高价值", "value": 0.9},
                after={"segment": "高价值", "value": 0.95},
            )
        )
        define_segments(s, name="value", kind="pareto", parameters={}, actor_id=ids["alice"])
    login(client, "alice")
    html = client.get("/staff/audit?lang=en&entity=target").text
    rows = _rows(html)
    assert len(rows) == 2 and "3 entries" not in html and "2 entries" in html
    newest, oldest = rows
    assert "system or command line" in newest and "replace" in newest
    # Only what changed is shown, before and after.
    assert "<del>0.9</del> → <ins>0.95</ins>" in newest and "高价值</del>" not in newest
    assert "2026-03-02 07:30:00" in oldest and "bob" in oldest  # the company's clock
    one_day = _rows(client.get("/staff/audit?entity=target&from=2026-03-02&to=2026-03-02").text)
    assert len(one_day) == 1 and "bob" in one_day[0]
    assert len(_rows(client.get("/staff/audit?user=system&entity=target").text)) == 1
    assert len(_rows(client.get("/staff/audit?user=bob").text)) == 1
    segment = _rows(client.get("/staff/audit?entity=segment_definition").text)
    assert len(segment) == 1 and "alice" in segment[0]
    bad = client.get("/staff/audit?lang=en&from=2026-13-01")
    assert bad.status_code == 422 and "From: 2026-13-01 is not a date" in bad.text
    assert "No user named nobody." in client.get("/staff/audit?lang=en&user=nobody").text


def test_pages_of_fifty_keep_the_filters(client, store, users) -> None:
    with store.session() as s:
        for i in range(120):
            s.add(
                AuditEntry(
                    actor_id=None,
                    action="update",
                    entity="setting",
                    entity_id=str(i),
                    before={"v": i},
                    after={"v": i + 1},
                )
            )
    login(client, "alice")
    first = client.get("/staff/audit?lang=en&entity=setting")
    assert len(_rows(first.text)) == 50 and "page 1 of 3" in first.text
    assert 'href="?entity=setting&amp;page=2" rel="next"' in first.text
    last = client.get("/staff/audit?lang=en&entity=setting&page=3")
    rows = _rows(last.text)
    assert len(rows) == 20 and "setting 0<" in rows[-1]
    assert (
        'rel="next"' not in last.text
        and 'href="?entity=setting&amp;page=2" rel="prev"' in last.text
    )


def test_an_empty_log_says_what_to_do(client, store, users) -> None:
    login(client, "alice")
    html = client.get("/staff/audit?lang=zh-CN&entity=nothing-here").text
    assert "没有符合筛选条件的记录" in html
