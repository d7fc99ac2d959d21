"""Theme codebook, discovery by NMF, routing by customer value, quotes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.errors import InputError
from cxm.text.codebook import default_codebook, load_codebook, parse_codebook
from cxm.text.discover import discover_themes, route_requests
from cxm.text.quotes import distinct_quotes, jaccard


def test_a_text_gets_its_theme_and_the_themes_above() -> None:
    book = default_codebook()
    assert book.code("排队等了两个小时") == ["process", "process.waiting"]
    assert book.code("希望能推出更便宜的套餐") == ["price", "product_request"]
    assert book.code("") == []


def test_a_pattern_that_does_not_compile_is_refused_with_its_theme(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "version: 2\nthemes:\n  - id: waiting\n    patterns:\n      zh: ['等了(']\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"waiting.*等了\(.*does not compile"):
        load_codebook(path)


def test_codebook_mistakes_are_named() -> None:
    with pytest.raises(InputError, match="version"):
        parse_codebook({"themes": []}, source="x")
    with pytest.raises(InputError, match="appears twice"):
        parse_codebook({"version": 1, "themes": [{"id": "a"}, {"id": "a"}]}, source="x")
    with pytest.raises(InputError, match="kind"):
        parse_codebook({"version": 1, "themes": [{"id": "a", "kind": "gossip"}]}, source="x")


def test_discovery_finds_planted_topics() -> None:
    rng = np.random.default_rng(3)
    topics = {
        "parking": ["停车位太少", "停车收费贵", "停车场找不到车位"],
        "wifi": ["店里无线网络连不上", "无线网络信号差", "网络密码没人知道"],
        "kids": ["儿童游乐区太小", "儿童座椅不够", "带儿童不方便"],
    }
    texts = [
        str(rng.choice(v)) + "，" + str(rng.choice(["下次注意", "希望改进", "说一下"]))
        for v in topics.values()
        for _ in range(40)
    ]
    proposals = discover_themes(texts, k=3)
    tops = [set(p.top_terms[:3]) for p in proposals]
    for word in ("停车", "无线网络", "儿童"):
        assert any(any(word in term for term in t) for t in tops), (word, tops)
    assert sum(p.texts for p in proposals) == len(texts)
    assert all(len(p.examples) >= 2 for p in proposals)
    assert "keywords" in proposals[0].codebook_entry()


def test_discovery_needs_enough_texts() -> None:
    with pytest.raises(InputError, match="at least"):
        discover_themes(["一", "二"], k=3)


def test_discovery_over_texts_sharing_no_usable_word_is_refused_in_words() -> None:
    # One text said many times (all that no theme of the codebook took): every word is in
    # over half the texts, so nothing is left to find themes in (was a ValueError).
    with pytest.raises(InputError, match="too few distinct words"):
        discover_themes(["价格有点贵，希望多些优惠"] * 20, k=6)


def test_requests_are_routed_weighted_by_customer_value() -> None:
    frame = pd.DataFrame(
        {
            "themes": [("product_request",), ("product_request",), ("market_info",), ("price",)],
            "customer_id": [1, 1, 2, 3],
            "value": [10_000.0, 10_000.0, 500.0, 99.0],
        }
    )
    routed = route_requests(frame, default_codebook())
    assert list(routed["theme"]) == ["product_request", "market_info"]
    first = routed.iloc[0]
    assert first["owner"] == "产品开发部" and first["texts"] == 2 and first["customers"] == 1
    assert first["value"] == 10_000.0  # one customer counts once
    assert routed["value_share"].sum() == pytest.approx(1.0)


def test_near_duplicate_quotes_are_dropped() -> None:
    assert jaccard("服务太差了!!", "服务太差了") == 1.0
    quotes = distinct_quotes(["服务太差了！！", "服务太差了", "排队太久", "服务太差了吧"], limit=5)
    assert quotes == ["服务太差了！！", "排队太久"]
