"""Regenerate the golden outputs: ``python -m tests.golden.regenerate`` (or
``make golden``). Commit the result in a commit of its own that lists each changed figure
and why (the diff of ``tests/golden/*.json`` shows them)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.golden.commands import compare, golden_path, run_all


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cxm-golden-") as tmp:
        outputs = run_all(Path(tmp))
    for name, value in outputs.items():
        path = golden_path(name)
        if path.exists():
            changed = compare(json.loads(path.read_text(encoding="utf-8")), value)
            sys.stdout.write(f"{name}: {len(changed)} differences\n")
            for line in changed[:20]:
                sys.stdout.write(f"  {line}\n")
        path.write_text(
            json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    sys.stdout.write(f"wrote {len(outputs)} files to {golden_path('x').parent}\n")


if __name__ == "__main__":
    main()
