"""Complaint logs: imported with Chinese headers and labels, checked row by row, all or
nothing, idempotent; exported formula-safe in a layout that re-imports."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from cxm.store import Store
from tests.case_factories import staff
from tests.survey_factories import add_customers

LOG = (
    "工单编号,客户编号,受理时间,类型,主题,内容,情绪,服务过失,负责人,解决时间\n"
    "T-1,C00001,2026-03-02 10:00,投诉,送货慢,等了两周,愤怒,冷漠、踢皮球,carol,2026-03-03 09:00\n"
    "T-2,C00002,2026-03-05T08:30:00+08:00,建议,周日营业,希望周日也开门,,,,\n"
    'T-3,C00000,2026-03-06,complaint,"=HYPERLINK(""http://x"")",bad,angry,coldness,,\n'
)


def _setup(database_url: str) -> None:
    store = Store.open(database_url)
    add_customers(store, 3)
    staff(store)
    store.close()


def test_a_chinese_complaint_log_imports_once(cxm: Any, database_url: str, tmp_path: Path) -> None:
    _setup(database_url)
    path = tmp_path / "log.csv"
    path.write_bytes(LOG.encode("gb18030"))
    r = cxm("cases", "import", str(path), "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["added"] == 3
    again = json.loads(cxm("cases", "import", str(path), "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 3)
    cases = json.loads(
        cxm("cases", "list", "--status", "resolved", "--status", "new", "--json").stdout
    )
    by_subject = {c["subject"]: c for c in cases}
    first = by_subject["送货慢"]
    assert first["emotion_in"] == "angry" and first["status"] == "resolved"
    assert first["faults"] == ["department_to_department", "indifference"]
    assert by_subject["周日营业"]["type"] == "suggestion"
    assert by_subject["周日营业"]["opened_at"].startswith("2026-03-05T00:30")
    out = tmp_path / "out.csv"
    assert cxm("cases", "export", "--out", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["case_id"] for r in rows} == {"T-1", "T-2", "T-3"}
    formula = next(r for r in rows if r["case_id"] == "T-3")["subject"]
    assert formula.startswith("'=")  # neutralised for spreadsheets
    # The export re-imports: nothing new.
    assert json.loads(cxm("cases", "import", str(out), "--json").stdout)["added"] == 0


def test_a_bad_log_names_every_problem_and_imports_nothing(
    cxm: Any, database_url: str, tmp_path: Path
) -> None:
    _setup(database_url)
    path = tmp_path / "bad.csv"
    path.write_text(
        "case_id,customer_id,opened_at,type,emotion,faults,owner,resolved_at\n"
        "A,C00001,2026-03-02,complaint,angry,,,\n"
        "B,NOPE,2026-03-02,rant,furious,rude,zed,2026-03-01\n"
        "A,C00001,yesterday,complaint,,,,\n",
        encoding="utf-8",
    )
    r = cxm("cases", "import", str(path))
    assert r.exit_code == 1
    for word in (
        "no such customer",
        "type",
        "emotion",
        "unknown fault rude",
        "no staff user",
        "before the case was opened",
        "appears twice",
    ):
        assert word in r.stderr, word
    assert json.loads(cxm("cases", "list", "--json").stdout) == []
    missing = tmp_path / "missing.csv"
    missing.write_text("subject\nx\n", encoding="utf-8")
    r = cxm("cases", "import", str(missing))
    assert r.exit_code == 1 and "missing columns case_id, customer_id, opened_at" in r.stderr
