"""The demo's last step: write the demo company's report (HTML) and record its path."""

from __future__ import annotations

import os
from pathlib import Path

from cxm.demo.context import DemoContext
from cxm.i18n import current_language

__all__ = ["REPORT_FILE", "write_demo_report"]

#: The demo's report file, in ``$CXM_REPORT_DIR`` (default: ``reports/`` under the working
#: directory).
REPORT_FILE = "demo-report.html"


def write_demo_report(ctx: DemoContext) -> None:
    """Build the report from the store the demo just filled; its path goes in the summary."""
    from cxm.reports import write_report

    out = Path(os.environ.get("CXM_REPORT_DIR") or "reports") / REPORT_FILE
    ctx.advance(0.05)
    written = write_report(ctx.store, out, lang=current_language())
    ctx.advance(1.0)
    ctx.results["report"] = {"path": str(written[0].resolve())}
