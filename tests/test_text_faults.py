"""The seven faults and four emotions: the lexicon baseline and the staff-label model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from cxm.errors import InputError
from cxm.text.classifier import LabelModel, parse_labels, train_label_model
from cxm.text.lexicon import EMOTIONS, FAULTS, default_lexicon, load_lexicon


def test_the_lexicon_names_the_documents_classes() -> None:
    lexicon = default_lexicon()
    assert set(lexicon.classes) == set(FAULTS) | set(EMOTIONS)
    assert len(FAULTS) == 7 and len(EMOTIONS) == 4


@pytest.mark.parametrize(
    ("text", "faults", "emotion"),
    [
        ("客服让我找厂家，厂家又让我找门店，来回踢皮球", {"passing_the_buck", "runaround"}, ""),
        ("店员看不起人，爱答不理，气死我了", {"condescension", "coldness"}, "angry"),
        ("一直说这是公司规定，不能通融", {"rule_hiding"}, ""),
        ("服务很满意，谢谢", set(), "happy"),
        ("They kept transferring me and I am furious", {"runaround"}, "angry"),
    ],
)
def test_the_lexicon_finds_faults_and_emotions(text: str, faults: set[str], emotion: str) -> None:
    found = default_lexicon().find(text)
    assert set(found.faults) == faults
    assert found.emotion == emotion
    assert all(found.evidence[f] for f in found.faults)


def test_a_negated_term_does_not_count() -> None:
    assert default_lexicon().find("我很不满意").emotion == ""
    assert default_lexicon().find("It was not great").emotion == ""


def test_a_tie_between_emotions_is_uncertain() -> None:
    assert default_lexicon().find("很失望，也很生气").emotion == "uncertain"


def test_an_edited_lexicon_is_used_and_a_broken_one_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "src/cxm/text/data/lexicon.yaml").read_text("utf-8")
    )
    data["classes"]["runaround"]["zh"].append("皮球")
    good = tmp_path / "lexicon.yaml"
    good.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert load_lexicon(good).find("又在踢皮球").faults == ("runaround",)
    del data["classes"]["afraid"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(InputError, match="missing classes afraid"):
        load_lexicon(bad)


def test_unknown_labels_are_refused_with_their_row() -> None:
    assert parse_labels(["runaround; angry", "", None]) == [
        frozenset({"runaround", "angry"}),
        frozenset(),
        frozenset(),
    ]
    with pytest.raises(InputError, match="Row 2"):
        parse_labels(["angry", "grumpy"])


def _staff_labelled(n: int = 300) -> tuple[list[str], list[frozenset[str]]]:
    rng = np.random.default_rng(1)
    runaround = [
        "转了三个部门都没人管",
        "让我去找另一个窗口",
        "来回打了五个电话",
        "每个部门都说不归他们",
    ]
    calm = ["安装很顺利", "送货准时", "价格合适", "产品质量不错", "网点环境整洁"]
    angry = ["气得我发抖", "简直欺人太甚", "火冒三丈"]
    texts, labels = [], []
    for _ in range(n):
        parts, lab = [str(rng.choice(calm))], set()
        if rng.random() < 0.3:
            parts.append(str(rng.choice(runaround)))
            lab.add("runaround")
        if rng.random() < 0.25:
            parts.append(str(rng.choice(angry)))
            lab.add("angry")
        rng.shuffle(parts)
        texts.append("，".join(parts))
        labels.append(frozenset(lab))
    return texts, labels


def test_the_staff_label_model_reports_precision_and_recall_and_says_uncertain(
    tmp_path: Path,
) -> None:
    texts, labels = _staff_labelled()
    card = train_label_model(texts, labels, out=tmp_path / "labels.skops", data_name="fixture")
    assert card["classes"] == ["runaround", "angry"]
    metrics = card["metrics"]["cv5"]
    assert metrics["runaround"]["precision"] >= 0.9 and metrics["runaround"]["recall"] >= 0.9
    assert "coldness" in card["left_out"]
    model = LabelModel(tmp_path / "labels.skops")
    decided = model.decide(["价格合适，转了三个部门都没人管", "价格合适", "嗯"])
    assert decided.loc[0, "runaround"] == "yes"
    assert decided.loc[1, "runaround"] == "no"
    strict = LabelModel(tmp_path / "labels.skops", threshold=0.99)
    assert "uncertain" in set(strict.decide(["嗯", "转了"]).to_numpy().ravel())


def test_too_few_labels_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 10"):
        train_label_model(
            ["a", "b"], [frozenset({"angry"}), frozenset()], out=tmp_path / "m.skops", data_name="x"
        )
