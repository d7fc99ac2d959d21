"""Every user-facing string goes through the translation layer and has a zh-CN text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cxm.i18n import _, catalog, language, normalise_language

SRC = Path(__file__).resolve().parents[1] / "src" / "cxm"


def _message_ids() -> dict[str, str]:
    """Literal first arguments of ``_()`` / ``gettext()`` calls in the source, with a place."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "gettext")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_message_has_a_chinese_translation() -> None:
    zh = catalog("zh-CN")
    missing = {m: where for m, where in _message_ids().items() if m not in zh}
    assert not missing, "untranslated (add to src/cxm/locales/zh-CN/*.json):\n" + "\n".join(
        f"  {where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_translations_keep_the_placeholders() -> None:
    import string

    fmt = string.Formatter()
    for msgid, text in catalog("zh-CN").items():
        want = {f for _, f, _, _ in fmt.parse(msgid) if f}
        have = {f for _, f, _, _ in fmt.parse(text) if f}
        assert want == have, f"{msgid!r} → {text!r}"


@pytest.mark.parametrize(
    ("raw", "norm"),
    [("zh_CN.UTF-8", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-TW"), ("en_US", "en"), ("", "en")],
)
def test_language_names_are_normalised(raw: str, norm: str) -> None:
    assert normalise_language(raw) == norm


def test_it_translates_and_fills_placeholders() -> None:
    with language("zh-CN"):
        assert _("row {row}", row=3) == "第 3 行"
    with language("en"):
        assert _("row {row}", row=3) == "row 3"
