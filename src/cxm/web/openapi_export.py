"""Write the OpenAPI document of the JSON API to ``docs/openapi.json``.

    python -m cxm.web.openapi_export [--out docs/openapi.json] [--check]

``make openapi`` runs it; a test fails when the file in the repository differs from what
the code describes (``--check`` does the same from the command line, exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_OUT", "openapi_document", "openapi_text"]

#: Where the document lives in a checkout.
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of an app built on a scratch database, in English."""
    from cxm.config import Settings
    from cxm.i18n import language
    from cxm.store import Store
    from cxm.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="cxm-openapi-") as tmp, language("en"):
        store = Store.open(f"sqlite:///{Path(tmp) / 'openapi.db'}")
        try:
            settings = Settings(database_url=str(store.engine.url), env="development")
            document: dict[str, Any] = create_app(settings, store=store).openapi()
        finally:
            store.close()
    return document


def openapi_text() -> str:
    """The document as it is kept: sorted keys, two-space indent, a final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    opts = parser.parse_args(argv)
    text = openapi_text()
    if opts.check:
        current = opts.out.read_text(encoding="utf-8") if opts.out.exists() else ""
        if current != text:
            sys.stderr.write(f"{opts.out} is stale: run `make openapi`\n")
            return 1
        return 0
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {opts.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
