"""zh-TW comes from the zh-CN catalogue through OpenCC (Taiwan phrases), never as
Simplified characters; English plurals are right (issue 14, item 6)."""

from __future__ import annotations

import re

from cxm.i18n import catalog, gettext, ngettext

#: Simplified characters whose Traditional form differs; none may reach a zh-TW user.
SIMPLIFIED = set("导码钟时这个们说请数据软户选项题问从应设资讯观")
_PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_]\w*[^{}]*\}")


def test_zh_tw_is_traditional_with_taiwan_phrases() -> None:
    message = "{n} rows were imported before and were left as they are."
    assert gettext(message, lang="zh-CN", n=2) == "2 行此前已导入，保持不变。"
    assert gettext(message, lang="zh-TW", n=2) == "2 行此前已匯入，保持不變。"
    # s2twp: Taiwan wording, not only characters (文件 → 檔案, 数据 → 資料).
    text = gettext(
        "{file}: data row {row} ({where}) holds the control character {char}, which is not "
        "text; remove it (or export the file again) and import it again.",
        lang="zh-TW",
        file="a.csv",
        row=2,
        where="x",
        char="U+0000",
    )
    assert "資料" in text and "匯出" in text and "导" not in text


def test_every_zh_cn_message_converts_keeping_its_placeholders() -> None:
    for message, simplified in catalog("zh-CN").items():
        traditional = gettext(message, lang="zh-TW")
        assert _PLACEHOLDER.findall(traditional) == _PLACEHOLDER.findall(simplified), message
        assert not SIMPLIFIED & set(traditional), (message, traditional)


def test_a_zh_tw_entry_wins_over_the_conversion() -> None:
    zh_tw = catalog("zh-TW")
    for message, text in list(zh_tw.items())[:50]:
        assert gettext(message, lang="zh-TW") == text


def test_english_plurals() -> None:
    one, many = "{n} row was skipped: {reason}.", "{n} rows were skipped: {reason}."
    assert ngettext(one, many, 1, lang="en", reason="x") == "1 row was skipped: x."
    assert ngettext(one, many, 2, lang="en", reason="x") == "2 rows were skipped: x."
    assert ngettext(one, many, 0, lang="en", reason="x") == "0 rows were skipped: x."
    assert ngettext(one, many, 1, lang="zh-CN", reason="x") == "跳过了 1 行：x。"
