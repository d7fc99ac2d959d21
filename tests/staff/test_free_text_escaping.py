"""Respondents' free text is shown escaped on staff pages and in JSON stays plain data."""

from __future__ import annotations

from tests.staff.conftest import NASTY, bearer, login


def test_the_wave_page_escapes_free_text(client, users, survey) -> None:
    login(client, "bob")
    page = client.get(f"/staff/waves/{survey.wave_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<b onmouseover" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "50.0 %" in page.text  # 3 of 6


def test_the_json_list_returns_free_text_as_data(client, store, users, survey) -> None:
    r = client.get(f"/api/v1/waves/{survey.wave_id}/responses", headers=bearer(store, "bob"))
    assert r.headers["content-type"] == "application/json"
    assert NASTY in [item["IMPROVE"] for item in r.json()["items"]]


def test_a_wave_name_with_markup_is_escaped_on_the_dashboard(client, store, users, survey) -> None:
    from cxm.surveys.models import Wave

    with store.session() as s:
        wave = s.get(Wave, survey.wave_id)
        assert wave is not None
        wave.name = "<img src=x onerror=alert(1)>"
    login(client, "carol")
    page = client.get("/staff/")
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
