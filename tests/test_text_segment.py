"""Segmentation with our own jieba tokenizer and the company dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxm.errors import InputError
from cxm.text.segment import Segmenter, read_user_dictionary
from cxm.text.settings import TextSettings


def test_user_dictionary_words_stay_whole(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# products\n悦享空调 100 nz\n扫地机器人\n", encoding="utf-8")
    seg = Segmenter.from_settings(TextSettings(user_dictionary=words, cache_dir=tmp_path / "cache"))
    tokens = seg.tokens("我买的悦享空调和扫地机器人都很好用")
    assert "悦享空调" in tokens
    assert "扫地机器人" in tokens


def test_it_does_not_touch_jiebas_global_tokenizer(tmp_path: Path) -> None:
    import jieba

    seg = Segmenter(user_words=["悦享空调"], cache_dir=tmp_path)
    seg.words("悦享空调")
    assert "悦享空调" not in jieba.dt.FREQ
    assert seg._jieba().tmp_dir == str(tmp_path)


def test_stop_words_are_removed_and_english_lowercased(tmp_path: Path) -> None:
    seg = Segmenter(stop_words=["师傅"], cache_dir=tmp_path)
    tokens = seg.tokens("安装师傅的态度很好, The Installer was LATE")
    assert "的" not in tokens and "师傅" not in tokens
    assert "installer" in tokens and "late" in tokens and "the" not in tokens


def test_a_bad_user_dictionary_line_is_refused_with_its_line(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("悦享空调\n悦享 冰箱 12 nz\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_user_dictionary(words)
