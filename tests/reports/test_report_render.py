"""Rendering: one self-contained HTML file (plotly.js inlined, no CDN), respondents' text
escaped, a print version without script, and missing data said plainly."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cxm.reports import Chart, Figure, Report, Section, Series, Table, render_html
from cxm.reports.diagram import path_diagram_svg

NASTY = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _report() -> Report:
    chart = Chart(
        "c1",
        "CSAT",
        "bar",
        (Series("CSAT", ("key", "other"), (0.8, 0.6), (0.05, 0.02)),),
        "cxm targets report value --json",
        percent=True,
    )
    return Report(
        title="T",
        subtitle="S",
        lang="en",
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        sections=[
            Section(
                "headline",
                "Headline",
                figures=[Figure("CSAT", 0.8, "80.0%", "cxm x --json")],
                charts=[chart],
                tables=[Table("t", ("a",), ((NASTY,),), "src")],
            ),
            Section(
                "model",
                "Model",
                diagram_svg=path_diagram_svg(
                    [{"from": "Quality", "to": "Satisfaction", "estimate": 0.61, "p": 0.001}],
                    {"Satisfaction": 0.37},
                ),
            ),
            Section("comments", "Comments", quotes=[NASTY]),
            Section("churn", "Churn", unavailable="No survey waves yet."),
        ],
    )


def test_the_html_file_is_self_contained() -> None:
    html = render_html(_report())
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js is inside
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=\"?https?:", html)


def test_it_escapes_what_respondents_wrote() -> None:
    html = render_html(_report())
    assert NASTY not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_the_print_version_has_static_charts_and_no_script() -> None:
    html = render_html(_report(), mode="pdf")
    assert "<script" not in html.replace("&lt;script", "")
    assert html.count("<svg") == 2  # the chart and the model diagram
    assert ">0.610*<" in html and "R² = 0.370" in html


def test_a_section_without_data_says_so() -> None:
    html = render_html(_report())
    churn = html[html.index('id="churn"') :]
    assert "No survey waves yet." in churn
