"""The API says what it returns: every JSON route declares a response model, and the
OpenAPI document kept in the repository (docs/openapi.json) is the one the code describes.
After changing a route, `make openapi` rewrites it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cxm.web.openapi_export import DEFAULT_OUT, main, openapi_document, openapi_text


def _success_schemas(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            for status, answer in op["responses"].items():
                if status.startswith("2") and "application/json" in answer.get("content", {}):
                    found.append((method.upper(), path, answer["content"]["application/json"]))
    return found


def test_every_json_route_declares_a_response_model() -> None:
    schemas = _success_schemas(openapi_document())
    assert len(schemas) >= 31  # 29 under /api/v1, /health and /healthz
    untyped = []
    for method, path, content in schemas:
        schema = content.get("schema", {})
        named = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if not named:
            untyped.append(f"{method} {path}: {json.dumps(schema)[:80]}")
    assert not untyped, "JSON routes without a response model:\n" + "\n".join(untyped)


def test_docs_openapi_json_is_up_to_date() -> None:
    assert DEFAULT_OUT.exists(), "docs/openapi.json is missing: run `make openapi`"
    assert DEFAULT_OUT.read_text(encoding="utf-8") == openapi_text(), (
        "docs/openapi.json is stale: run `make openapi` and commit it"
    )


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_the_check_fails_on_a_stale_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["--out", str(stale), "--check"]) == 1
    assert main(["--out", str(stale)]) == 0
    assert main(["--out", str(stale), "--check"]) == 0
    assert json.loads(stale.read_text(encoding="utf-8"))["info"]["title"] == "CXM"
