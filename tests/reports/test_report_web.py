"""The report as a staff page: behind login, in both languages, under the app's strict
Content-Security-Policy (no script, no inline style), with PDF and HTML downloads."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from cxm.accounts import create_user
from cxm.accounts.passwords import hash_password
from cxm.config import Settings
from cxm.reports import STORE_SECTIONS
from cxm.store import Store
from cxm.web.app import create_app
from tests.staff.conftest import csrf_from

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"


@pytest.fixture
def client(database_url: str, store: Store) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, env="test", secret_key="r" * 48)
    with store.session() as s:
        create_user(s, name="bob", role="analyst", password_hash=hash_password(PASSWORD))
    app = create_app(settings, store=store)
    with TestClient(app, raise_server_exceptions=False, headers={"accept": "text/html"}) as c:
        yield c


def _login(client: TestClient) -> None:
    form = client.get("/staff/login")
    r = client.post(
        "/staff/login",
        data={"name": "bob", "password": PASSWORD, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("path", ["/reports/", "/reports/report.pdf", "/reports/report.html"])
def test_it_refuses_anonymous_visitors(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (303, 401), r.status_code
    assert b"%PDF" not in r.content and "report-section" not in r.text


def test_staff_see_every_section_in_both_languages(client: TestClient) -> None:
    _login(client)
    for lang, empty in (("en", "No survey waves yet."), ("zh-CN", "还没有调查轮次。")):
        r = client.get(f"/reports/?lang={lang}")
        assert r.status_code == 200
        for key in STORE_SECTIONS:
            assert f'id="{key}"' in r.text
        assert empty in r.text
        assert "<script" not in r.text and "<style" not in r.text
        assert "unsafe-inline" not in r.headers["content-security-policy"]
    css = client.get("/reports/report.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_staff_download_the_pdf_and_the_interactive_file(client: TestClient) -> None:
    _login(client)
    pdf = client.get("/reports/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = client.get("/reports/report.html")
    assert html.status_code == 200
    assert "attachment" in html.headers["content-disposition"]
