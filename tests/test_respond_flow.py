"""The respondent's form through the real app: resume, validation, one response per link,
clean pages for bad links, escaping, language, public links."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from cxm.customers.models import Customer
from cxm.store import Store
from cxm.store.base import utcnow
from cxm.surveys.invitations import export_invitations_csv, resolve_link
from cxm.surveys.models import Answer, Invitation, Response
from cxm.surveys.waves import enable_public_link
from tests.survey_factories import make_app, wave_with_links, web_client

HTML = {"accept": "text/html"}


def _client(store: Store):  # type: ignore[no-untyped-def]
    return web_client(make_app(store))


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]*)" checked', html)


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_link_resumes_after_a_restart(store: Store, database_url: str) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    first = _client(store)
    r = first.post(
        f"/r/{token}", data={"page": "0", "q_SAT": "4", "q_NPS": "8"}, follow_redirects=False
    )
    assert r.status_code == 303
    first.close()
    # A new process: a new store and a new app on the same database, no cookies.
    again = Store.open(database_url)
    try:
        client = _client(again)
        page = client.get(f"/r/{token}", headers=HTML)
        assert page.status_code == 200
        assert 'name="page" value="1"' in page.text
        back = client.get(f"/r/{token}?page=0", headers=HTML)
        assert _checked(back.text, "q_SAT") == ["4"] and _checked(back.text, "q_NPS") == ["8"]
    finally:
        again.close()


def test_a_later_page_cannot_be_skipped_to(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    page = _client(store).get(f"/r/{token}?page=1", headers=HTML)
    assert 'name="page" value="0"' in page.text


def test_errors_are_shown_per_question_and_keep_the_other_answers(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    r = _client(store).post(
        f"/r/{token}?lang=en", data={"page": "0", "q_SAT": "9", "q_NPS": "7", "q_AGE": "4.5"}
    )
    assert r.status_code == 422
    assert "Please give a number from 1 to 5." in r.text
    assert "Please give a whole number." in r.text
    assert _checked(r.text, "q_NPS") == ["7"]
    assert 'value="4.5"' in r.text
    assert _count(store, Response) == 0  # nothing half-written


def test_a_missing_required_answer_is_named(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    r = _client(store).post(f"/r/{token}?lang=zh-CN", data={"page": "0", "q_NPS": "7"})
    assert r.status_code == 422 and "请回答此问题。" in r.text
    assert 'href="#q-SAT"' in r.text


def test_unknown_question_ids_are_refused(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    data = {"page": "0", "q_SAT": "4", "q_NPS": "8", "q_DROP TABLE": "1"}
    r = _client(store).post(f"/r/{token}?lang=en", data=data)
    assert r.status_code == 422 and "Unknown question" in r.text


def _finish(client, token: str, comment: str = "更快") -> object:  # type: ignore[no-untyped-def]
    client.post(f"/r/{token}", data={"page": "0", "q_SAT": "2", "q_NPS": "3"})
    return client.post(
        f"/r/{token}?lang=zh-CN", data={"page": "1", "q_WHY": "staff", "q_COMMENT": comment}
    )


def test_a_double_submit_back_button_and_replay_make_one_response(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    client = _client(store)
    done = _finish(client, token)
    assert done.status_code == 200 and "谢谢您" in done.text  # type: ignore[attr-defined]
    replay = client.post(
        f"/r/{token}?lang=zh-CN", data={"page": "1", "q_WHY": "price", "q_COMMENT": "改了"}
    )
    assert replay.status_code == 200 and "谢谢您" in replay.text
    first_page = client.post(f"/r/{token}", data={"page": "0", "q_SAT": "5", "q_NPS": "10"})
    assert first_page.status_code == 200
    assert _count(store, Response) == 1
    with store.session() as s:
        answers = dict(s.execute(select(Answer.question_code, Answer.text)).all())
        sat = s.scalar(select(Answer.number).where(Answer.question_code == "SAT"))
    assert answers["COMMENT"] == "更快" and answers["WHY"] == "staff" and sat == 2.0


def test_bad_used_and_expired_links_get_the_same_clean_page(store: Store) -> None:
    _wave, (used, expired, *_rest) = wave_with_links(store)
    client = _client(store)
    _finish(client, used)
    with store.session() as s:
        inv = resolve_link(s, token=expired).id
        s.execute(
            update(Invitation)
            .where(Invitation.id == inv)
            .values(expires_at=utcnow() - timedelta(days=1))
        )
    pages = [
        client.get(f"/r/{t}?lang=en", headers=HTML)
        for t in (used, expired, "A" * 32, "nope", "%3Cscript%3E")
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1
    assert "cannot be used" in pages[0].text and "Traceback" not in pages[0].text
    post = client.post(f"/r/{expired}", data={"page": "0", "q_SAT": "4"})
    assert post.status_code == 404 and post.text == pages[0].text


def test_free_text_is_escaped_when_shown_again(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    client = _client(store)
    client.post(f"/r/{token}", data={"page": "0", "q_SAT": "2", "q_NPS": "3"})
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = client.post(f"/r/{token}", data={"page": "1", "q_WHY": "nope", "q_COMMENT": evil})
    assert r.status_code == 422
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;" in r.text


def test_pages_need_no_inline_script_or_style(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    r = _client(store).get(f"/r/{token}", headers=HTML)
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "<script" not in r.text and "<style" not in r.text and " style=" not in r.text
    assert r.headers["cache-control"] == "no-store"
    assert _client(store).get("/static/respond.css").status_code == 200


def test_the_language_switch(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    client = _client(store)
    zh = client.get(f"/r/{token}?lang=zh-CN", headers=HTML).text
    en = client.get(f"/r/{token}?lang=en", headers=HTML).text
    assert "很不满意" in zh and "总体满意吗" in zh and 'lang="zh-CN"' in zh
    assert "Very dissatisfied" in en and "Overall satisfied?" in en
    client.post(f"/r/{token}?lang=zh-CN", data={"page": "0", "q_SAT": "4", "q_NPS": "8"})
    with store.session() as s:
        assert s.scalar(select(Response.language)) == "zh-CN"


def test_a_public_link_gives_each_browser_one_invitation_and_limits_each_client(
    store: Store,
) -> None:
    wave_id, _tokens = wave_with_links(store, customers=1)
    with store.session() as s:
        public = enable_public_link(s, wave_id=wave_id)
        s.execute(update(Invitation).values(client_hash=None))
        from cxm.surveys.models import Wave

        s.execute(update(Wave).values(public_rate_limit=3))
    browser = _client(store)
    first = browser.get(f"/p/{public}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/r/")
    second = browser.get(f"/p/{public}", follow_redirects=False)
    assert second.headers["location"] == first.headers["location"]  # same browser, same one
    # new browsers (no cookies) from the same address
    statuses = [
        _client(store).get(f"/p/{public}", follow_redirects=False).status_code for _ in range(4)
    ]
    assert statuses == [303, 303, 429, 429]
    assert _client(store).get("/p/" + "B" * 32, headers=HTML).status_code == 404


def test_the_invitation_export_has_working_links_and_safe_cells(store: Store) -> None:
    wave_id, _tokens = wave_with_links(store, customers=3)
    with store.session() as s:
        s.execute(update(Customer).where(Customer.id == 1).values(name='=HYPERLINK("x")'))
        out = io.StringIO()
        n = export_invitations_csv(s, wave_id=wave_id, base_url="https://cx.example", out=out)
    lines = out.getvalue().splitlines()
    assert n == 3 and lines[0].startswith("invitation_id,")
    assert "'=HYPERLINK" in out.getvalue()
    links = re.findall(r"https://cx\.example/r/([A-Za-z0-9_-]+)", out.getvalue())
    with store.session() as s:
        assert len({resolve_link(s, token=t).id for t in links}) == 3


def test_a_response_needs_an_invitation_and_only_one(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    _finish(_client(store), token)
    with store.session() as s:
        row = s.scalar(select(Response))
        assert row is not None
        values = {"version_id": row.version_id, "questionnaire_id": row.questionnaire_id}
    for invitation_id in (None, row.invitation_id):
        with pytest.raises(IntegrityError), store.session() as s:
            s.add(Response(invitation_id=invitation_id, **values))


def test_going_back_and_forth_keeps_one_answer_per_question(store: Store) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    client = _client(store)
    first = {"page": "0", "q_SAT": "2", "q_NPS": "3", "q_AGE": "41"}
    assert client.post(f"/r/{token}", data=first, follow_redirects=False).status_code == 303
    back = client.post(f"/r/{token}", data={"page": "1", "action": "back"}, follow_redirects=False)
    assert back.headers["location"].startswith(f"/r/{token}?page=0")
    changed = {**first, "q_SAT": "1"}
    again = client.post(f"/r/{token}", data=changed, follow_redirects=False)
    assert again.status_code == 303 and "page=1" in again.headers["location"]
    with store.session() as s:
        rows = s.execute(select(Answer.question_code, Answer.number, Answer.choices)).all()
    assert sorted((code, number) for code, number, _c in rows) == [
        ("AGE", 41.0),
        ("NPS", 3.0),
        ("SAT", 1.0),
    ]
    assert all(c is None for _code, _n, c in rows)
    with store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT COUNT(*) FROM survey_answers WHERE choices IS NULL")).scalar()
            == 3
        )


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"page": "7", "q_SAT": "4"}, 422),
        ({"page": "-1"}, 422),
        ({"page": "x", "q_SAT": "4"}, 422),
        ({"page": "0", "q_SAT": "4", "q_NPS": "1" * 5000}, 422),
        ({"page": "1", "q_COMMENT": "长" * 600_000}, 413),
    ],
)
def test_odd_posts_get_a_4xx_never_a_5xx(store: Store, data: dict[str, str], status: int) -> None:
    _wave, (token, *_rest) = wave_with_links(store)
    r = _client(store).post(f"/r/{token}", data=data, headers=HTML)
    assert r.status_code == status
    assert "Traceback" not in r.text
    assert _count(store, Response) == 0
