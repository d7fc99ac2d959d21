"""The shipped sentiment model: split, accuracy floors, pinned predictions, refusals, and
no network while analysing.

Floors, from ``benchmarks/text.py``: held-out accuracy 0.849 on 3,553 reviews (standard
error ≈ 0.006), floor 0.83 (three standard errors below); out-of-domain accuracy 0.741 on
309 service comments (standard error ≈ 0.025), floor 0.69 (two below).
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxm.errors import InputError
from cxm.text.analysis import analyze_texts
from cxm.text.clean import prepare
from cxm.text.corpus import review_corpus, split
from cxm.text.evaluation import binary_scores, expected_calibration_error
from cxm.text.models_io import load_model, shipped_model_path
from cxm.text.sentiment import SentimentModel, default_sentiment, sentences

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "data" / "sentiment_zh_heldout.tsv"
OOD = ROOT / "tests" / "data" / "service_comments_labelled.tsv"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"id": str, "label": int})


@pytest.mark.slow  # several seconds: in `make test`, not `make test-fast`
def test_the_corpus_is_deduplicated_and_the_split_matches_the_commit() -> None:
    found = review_corpus()
    corpus = found.texts
    assert corpus["text"].is_unique
    assert found.raw_lines > 2 * len(corpus) * 0.95  # about half the lines repeat
    parts = split(corpus)
    held = _read(HELDOUT)
    assert set(parts.heldout["id"]) == set(held["id"])
    assert not set(parts.train["text"]) & set(held["text"])


def test_held_out_accuracy_is_above_its_floor() -> None:
    held = _read(HELDOUT)
    p = default_sentiment().scores([prepare(t).text for t in held["text"]])
    scores = binary_scores(held["label"], p)
    assert scores.accuracy >= 0.83
    assert scores.macro_f1 >= 0.83
    # The card states what the benchmark measures.
    assert default_sentiment().metrics["heldout"]["accuracy"] == pytest.approx(
        scores.accuracy, abs=1e-4
    )


def test_out_of_domain_accuracy_is_above_its_floor() -> None:
    ood = _read(OOD)
    assert len(ood) >= 300
    p = default_sentiment().scores([prepare(t).text for t in ood["text"]])
    assert binary_scores(ood["label"], p).accuracy >= 0.69


def test_predictions_are_pinned_on_a_labelled_fixture() -> None:
    model = default_sentiment()
    texts = [
        "质量很好，物流也快，非常满意",
        "太差了，用了两天就坏了，退货还不给退",
        "Great service, thank you!",
        "Terrible, rude staff",
    ]
    labels = model.labels(model.scores(texts))
    assert labels == ["positive", "negative", "positive", "negative"]


def test_sentences_are_scored_one_by_one() -> None:
    parts = default_sentiment().by_sentence("安装师傅很专业，很满意。但是客服态度太差了！")
    assert [p[0] for p in parts] == ["安装师傅很专业，很满意。", "但是客服态度太差了！"]
    assert parts[0][2] == "positive" and parts[1][2] == "negative"
    assert sentences("Good. Bad!") == ["Good.", "Bad!"]


def test_calibration_error_matches_a_hand_computation() -> None:
    # Two bins used: [0.1, 0.2) holds p = 0.1, 0.1 with y = 0, 1 → |0.5 − 0.1| · 2/4;
    # [0.9, 1.0] holds p = 0.9, 0.9 with y = 1, 1 → |1 − 0.9| · 2/4. ECE = 0.2 + 0.05.
    y = np.array([0, 1, 1, 1])
    p = np.array([0.1, 0.1, 0.9, 0.9])
    assert expected_calibration_error(y, p) == pytest.approx(0.25)


def _copy_model(tmp_path: Path) -> Path:
    src = Path(str(shipped_model_path("sentiment_zh")))
    dst = tmp_path / "sentiment_zh.skops"
    shutil.copy(src, dst)
    shutil.copy(src.with_name("sentiment_zh.card.json"), tmp_path / "sentiment_zh.card.json")
    return dst


def test_a_model_built_with_another_scikit_learn_is_refused(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    card_path = tmp_path / "sentiment_zh.card.json"
    card = json.loads(card_path.read_text("utf-8"))
    card["versions"]["scikit-learn"] = "0.24.2"
    card_path.write_text(json.dumps(card), "utf-8")
    with pytest.raises(InputError, match=r"scikit-learn 0\.24\.2"):
        SentimentModel(path)


def test_a_changed_model_file_is_refused(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(InputError, match="checksum"):
        load_model(path)


def test_a_model_without_its_card_is_refused(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    (tmp_path / "sentiment_zh.card.json").unlink()
    with pytest.raises(InputError, match="card"):
        load_model(path)


def test_analysis_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access while analysing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    default_sentiment.cache_clear()
    out = analyze_texts(["客服踢皮球，太气人了", "Friendly staff, quick refund", "服務很好"])
    assert list(out["sentiment_label"]) == ["negative", "positive", "positive"]
