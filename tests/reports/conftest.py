"""Fixtures of the report tests: one SQLite store holding the report company (built once per
test process), and its report written in English and Chinese."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxm.reports import build_report, render_pdf, write_files
from cxm.store import Store
from tests.reports.survey_data import build_report_company


@pytest.fixture(scope="session")
def report_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report-company") / "cxm.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    store = Store.open(url)
    try:
        build_report_company(store)
    finally:
        store.close()
    return url


@pytest.fixture(scope="session")
def report_files(report_db: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"en": html, "zh-CN": html, "pdf": pdf}`` of the report company."""
    out = tmp_path_factory.mktemp("report-files")
    store = Store.open(report_db)
    try:
        files = {}
        for lang in ("en", "zh-CN"):
            report = build_report(store, lang=lang)
            files[lang] = write_files(report, out / f"report-{lang}.html")[0]
            if lang == "zh-CN":
                files["pdf"] = out / "report-zh-CN.pdf"
                files["pdf"].write_bytes(render_pdf(report))
    finally:
        store.close()
    return files
