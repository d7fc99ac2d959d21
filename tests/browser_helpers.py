"""Helpers of the browser tests: accessibility (axe-core), overflow at phone width, sign-in.

``axe_violations(page)`` runs the vendored axe-core (``tests/vendor/axe.min.js``, see the
README there) in the page and returns its serious and critical violations. It is evaluated
through Playwright (the DevTools protocol), which the app's strict Content-Security-Policy
does not block, so the page is checked exactly as served. ``horizontal_overflow(page)`` is
how many CSS pixels the document is wider than the viewport (0 when nothing scrolls
sideways); ``assert_no_horizontal_overflow`` names the widest elements when it fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "AXE_JS",
    "CHROMIUM",
    "SCREENSHOTS",
    "assert_no_horizontal_overflow",
    "axe_violations",
    "horizontal_overflow",
    "launch_chromium",
    "sign_in",
]

CHROMIUM = "/usr/bin/chromium"
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SERIOUS = ("serious", "critical")

_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations of ``impacts`` (serious and critical by default) on ``page``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return [v for v in found if v.get("impact") in impacts]


def horizontal_overflow(page: Any) -> int:
    """CSS pixels by which the page is wider than its viewport (0: no sideways scroll)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


_WIDEST = """() => {
  const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (typeof e.className === 'string' && e.className ? '.' + e.className : '') +
         ' right=' + Math.round(e.getBoundingClientRect().right));
}"""


def assert_no_horizontal_overflow(page: Any, what: str = "") -> None:
    extra = horizontal_overflow(page)
    assert extra <= 0, (
        f"{what or page.url}: {extra}px wider than the viewport: {page.evaluate(_WIDEST)}"
    )


def launch_chromium(playwright: Any) -> Any:
    """The system Chromium, headless, as the other browser tests start it."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )


def sign_in(page: Any, base_url: str, name: str, password: str) -> None:
    """Sign in through the login form in English (the labels are English there)."""
    page.goto(f"{base_url}/staff/login?lang=en")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/staff/**")
