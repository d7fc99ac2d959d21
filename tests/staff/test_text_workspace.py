"""The text workspace: analysts see themes and masked quotes and code texts; agents are
kept out; coding needs the CSRF token."""

from __future__ import annotations

from sqlalchemy import select

from cxm.customers.models import Customer
from cxm.store import Store
from cxm.text.models import TextEntry, TextSource
from tests.staff.conftest import csrf_from, login


def _texts(store: Store) -> int:
    with store.session() as s:
        c = Customer(external_id="T1", name="王小明")
        s.add(c)
        s.flush()
        s.add_all(
            [
                TextEntry(
                    source=TextSource.COMPLAINT_LOG,
                    customer_id=c.id,
                    text="王小明：排队等了两个小时<script>x</script>",
                ),
                TextEntry(
                    source=TextSource.VISIT_REPORT, customer_id=c.id, text="希望推出延保套餐"
                ),
            ]
        )
        s.flush()
        return int(s.scalars(select(TextEntry.id).order_by(TextEntry.id)).first() or 0)


def test_analysts_see_masked_quotes_and_code_a_text(client, store, users) -> None:  # type: ignore[no-untyped-def]
    first = _texts(store)
    login(client, "bob")
    page = client.get("/staff/texts")
    assert page.status_code == 200, page.text
    assert "王小明" not in page.text and "[NAME]" in page.text
    assert "<script>x" not in page.text
    token = csrf_from(page.text)
    refused = client.post(f"/staff/texts/{first}/code", data={"labels": ["angry"]})
    assert refused.status_code in (400, 403)
    done = client.post(
        f"/staff/texts/{first}/code",
        data={"labels": ["angry", "indifference"], "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with store.session() as s:
        entry = s.get(TextEntry, first)
        assert entry is not None and entry.staff_labels == ["angry", "indifference"]
        assert entry.coded_by == "bob"


def test_agents_cannot_open_the_workspace(client, store, users) -> None:  # type: ignore[no-untyped-def]
    login(client, "carol")
    assert client.get("/staff/texts").status_code == 403


def test_the_analysis_is_made_beside_and_kept_while_texts_are_coded(client, store, users) -> None:  # type: ignore[no-untyped-def]
    from cxm.text.service import ANALYSES

    ANALYSES.clear()
    _texts(store)
    login(client, "bob")
    first = client.get("/staff/texts?lang=en")
    assert first.status_code == 200
    # A minute of CPU on a real company: the page answers at once and codes meanwhile.
    assert 'id="analysis-pending"' in first.text and 'action="/staff/texts/' in first.text
    assert 'http-equiv="refresh"' not in first.text  # a coder's ticks are not reloaded away
    ANALYSES.wait((store.engine.url.render_as_string(hide_password=True), "en"))
    done = client.get("/staff/texts?lang=en")
    assert 'id="analysis-as-of"' in done.text and 'id="analysis-pending"' not in done.text
    assert "2 texts from 2 sources" in done.text
    assert "Newer data are being analysed" not in done.text
    zh = client.get("/staff/texts?lang=zh-CN")
    assert "正在分析文本" in zh.text  # per language, and said in Chinese
