"""The PDF version renders: poppler turns every page into a PNG that is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.slow


def _ink(png: Path) -> float:
    """Share of pixels that are not (near) white."""
    img = Image.open(png).convert("L")
    hist = img.histogram()
    dark = sum(hist[:230])
    return dark / (img.width * img.height)


def test_every_pdf_page_renders_with_content(report_files: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        skip_or_fail("pdftoppm (Debian poppler-utils) is not installed")
    pdf = report_files["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8  # title and contents, then a page per section
    for page in pages:
        assert _ink(page) > 0.002, f"{page.name} is blank"
