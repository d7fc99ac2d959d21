"""The lavaan-syntax parser: what it accepts and the errors it gives (naming the line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxm.analytics.pls import parse_model
from cxm.errors import ModelSpecError


def test_it_parses_blocks_modes_and_paths() -> None:
    spec = parse_model(
        """
        # a comment line
        Image =~ IMAG1 + IMAG2   # trailing comment
        Value <~ PERV1 + PERV2
        Sat   =~ CUSA1 + CUSA2
        Sat ~ Image + Value
        """
    )
    assert spec.constructs == ("Image", "Value", "Sat")
    assert [b.mode for b in spec.blocks] == ["A", "B", "A"]
    assert spec.block("Value").indicators == ("PERV1", "PERV2")
    assert [(p.source, p.target) for p in spec.paths] == [("Image", "Sat"), ("Value", "Sat")]
    assert spec.endogenous == ("Sat",)
    assert spec.indicators == ("IMAG1", "IMAG2", "PERV1", "PERV2", "CUSA1", "CUSA2")


def test_it_joins_continued_lines_and_semicolons() -> None:
    spec = parse_model("Sat =~ s1 + s2 +\n    s3\n       + s4\nLoy =~\n l1 + l2; Loy ~ Sat\n")
    assert spec.block("Sat").indicators == ("s1", "s2", "s3", "s4")
    assert spec.block("Loy").indicators == ("l1", "l2")
    assert spec.paths[0].target == "Loy"


def test_it_merges_repeated_declarations_and_ignores_covariances() -> None:
    spec = parse_model("A =~ a1\nA =~ a2\nB =~ b1\nB ~ A\nA ~~ B\nB ~ A")
    assert spec.block("A").indicators == ("a1", "a2")
    assert len(spec.paths) == 1


def test_it_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "m.lavaan"
    path.write_text("满意 =~ 满意1 + 满意2\n忠诚 =~ 忠诚1\n忠诚 ~ 满意\n", encoding="utf-8")
    spec = parse_model(path)
    assert spec.constructs == ("满意", "忠诚")


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelSpecError, match=r"nope\.lavaan"):
        parse_model(tmp_path / "nope.lavaan")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("A =~\nB =~ b1\nB ~ A", r"line 1: construct A has no indicators"),
        ("A =~ x1 + x2\nB =~ x2\nB ~ A", r"line 2: indicator x2 is already in block A \(line 1\)"),
        ("A =~ a1\nB =~ b1\nB ~ A + C", r"line 3: path uses C, which is not declared"),
        (
            "A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\nC ~ B\nA ~ C",
            r"line 6: the paths form a cycle A → B → C → A",
        ),
        ("A =~ a1\nA ~ A", r"cycle A → A"),
        ("A =~ a1\nB =~ b1", r"line 1: construct A is in no structural path"),
        ("A =~ a1\nB <~ b1\nB =~ b2\nB ~ A", r"line 3: construct B is declared both"),
        ("A =~ 0.7*a1 + a2\nB =~ b1\nB ~ A", r"labels and fixed values \(0.7\*a1\)"),
        ("A =~ a1 a2\nB =~ b1\nB ~ A", r"“a1 a2” is not a valid name"),
        ("A =~ a1\njust words\n", r"line 2: no operator"),
        ("A =~ a1\nB =~ A\nB ~ A", r"A is a construct and cannot be an indicator of B"),
        ("# nothing\n", r"declares no construct"),
    ],
)
def test_it_rejects_bad_models_naming_the_line(text: str, pattern: str) -> None:
    with pytest.raises(ModelSpecError, match=pattern):
        parse_model(text)
