"""Security headers on every response, errors included; a CSP without 'unsafe-inline'."""

from __future__ import annotations

import pytest

from tests.staff.conftest import login


@pytest.mark.parametrize(
    "path", ["/staff/login", "/health", "/api/v1/waves", "/nowhere", "/static/staff.css"]
)
def test_every_response_carries_the_security_headers(client, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_staff_pages_are_not_cached(client, users) -> None:
    login(client, "alice")
    assert client.get("/staff/").headers["cache-control"] == "no-store"


def test_staff_templates_have_no_inline_script_or_style() -> None:
    from cxm.web.templating import TEMPLATES_DIR

    for path in (TEMPLATES_DIR / "staff").glob("*.html"):
        text = path.read_text(encoding="utf-8").lower()
        assert "<script" not in text, path
        assert "<style" not in text and " style=" not in text, path
        assert " on" + "click=" not in text and "javascript:" not in text, path


def test_an_unexpected_error_is_a_bare_500(app, client) -> None:
    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    r = client.get("/boom-for-test", headers={"accept": "application/json"})
    assert r.status_code == 500
    assert r.json()["error"] == "internal"
    assert "secret" not in r.text and "Traceback" not in r.text
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    page = client.get("/boom-for-test")
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    assert "secret" not in page.text and "RuntimeError" not in page.text


def test_errors_are_html_for_browsers_and_json_for_api_clients(client) -> None:
    html = client.get("/nowhere")
    assert html.status_code == 404 and html.text.startswith("<!doctype html>")
    api = client.get("/nowhere", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.json() == {"error": "http_error", "message": "Not found"}
