"""Every service that changes something writes the audit log (issue 13 item 10): the
customer-file imports (not a dry run), the journey, service levels, consent and standards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _entities(cxm: Any) -> list[tuple[str, str]]:
    r = cxm("audit", "list", "--json", "--limit", "1000")
    assert r.exit_code == 0, r.stderr
    return [(e["entity"], e["action"]) for e in json.loads(r.stdout)]


def test_changes_through_services_are_audited(cxm: Any, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("客户编号,姓名,邮箱\nA1,张三,a1@example.cn\nA2,李四,\n", encoding="utf-8")
    assert cxm("import", "customers", str(path), "--dry-run").exit_code == 0
    assert ("customers", "import") not in _entities(cxm)  # a dry run changes nothing
    assert cxm("import", "customers", str(path)).exit_code == 0
    assert cxm("journey", "load", "--example", "retail").exit_code == 0
    assert cxm("service-levels", "set", "Gold", "--cost", "300").exit_code == 0
    r = cxm("consent", "set", "A1", "--channel", "email", "--purpose", "marketing", "--granted")
    assert r.exit_code == 0, r.stderr
    standards = tmp_path / "standards.yaml"
    standards.write_text(
        "standards:\n  - {code: GREET, name: Greets, stage: sale, kind: people, owner: Store, "
        "unit: visit, source: shopping}\n",
        encoding="utf-8",
    )
    assert cxm("standards", "load", str(standards)).exit_code == 0
    seen = set(_entities(cxm))
    for entry in (
        ("customers", "import"),
        ("journey", "load"),
        ("service_level", "set"),
        ("consent", "set"),
        ("standards", "load"),
    ):
        assert entry in seen, (entry, seen)
