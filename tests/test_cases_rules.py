"""Rules open cases from survey answers exactly once, even when passes race."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.cases.models import Case
from cxm.cases.rules import RuleSetDef, evaluate, load_rules, parse_rules, run_rules
from cxm.errors import ValidationFailed
from cxm.store import Store
from tests.case_factories import T0, answered_wave

RULES = """
rules:
  - name: detractor
    type: detractor_followup
    priority: high
    subject: {en: "Detractor: call back"}
    when: {any: [{question: REC, at_most: 6}]}
  - name: words
    type: complaint
    when: {any: [{text_contains: [退款, refund]}]}
  - name: unhappy-and-quiet
    when: {all: [{question: SAT, at_most: 2}, {question: REC, at_least: 7}]}
"""


def _rules(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_rule_reads_answers_as_written() -> None:
    rules = parse_rules(RULES)
    hits = evaluate(rules, {"REC": (3.0, None), "SAT": (4.0, None)}, ["我要退款"], set())
    assert [r.name for r, _why in hits] == ["detractor", "words"]
    assert evaluate(rules, {"REC": (9.0, None), "SAT": (5.0, None)}, ["great"], set()) == []
    quiet = evaluate(rules, {"REC": (8.0, None), "SAT": (1.0, None)}, [], set())
    assert [r.name for r, _why in quiet] == ["unhappy-and-quiet"]


def test_a_segment_condition_needs_the_membership() -> None:
    rules = parse_rules(
        "rules:\n  - name: key\n    when: {any: [{segment: 'value:key', question: SAT, "
        "at_most: 3}]}\n"
    )
    assert evaluate(rules, {"SAT": (3.0, None)}, [], {"value:other"}) == []
    assert len(evaluate(rules, {"SAT": (3.0, None)}, [], {"value:key"})) == 1


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("rules: []", "rules"),
        ("rules:\n  - {name: a, when: {any: [{at_most: 3}]}}", "rules.0.when.any.0"),
        (
            "rules:\n  - {name: a, type: rant, when: {any: [{question: Q, at_most: 1}]}}",
            "rules.0.type",
        ),
        (
            "rules:\n  - {name: a, when: {any: [{question: Q, at_most: 1}]}}\n"
            "  - {name: a, when: {any: [{question: Q, at_most: 1}]}}",
            "rules",
        ),
        ("rules: [", None),
    ],
)
def test_a_bad_rules_file_lists_its_problems(text: str, where: str | None) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_rules(text)
    if where is not None:
        assert any(p.column and p.column.startswith(where) for p in info.value.problems)


def test_run_opens_one_case_per_rule_and_answer(store: Store, tmp_path: Path) -> None:
    answers = [
        {"REC": 2, "SAT": 1, "WHY": "要退款"},
        {"REC": 9, "SAT": 5},
        {"REC": 5, "SAT": 3},
        {"REC": 8, "SAT": 2},
    ]
    answered_wave(store, answers, completed_at=T0)
    with store.session() as s:
        load_rules(s, path=_rules(tmp_path), now=T0 - timedelta(hours=1))
    with store.session() as s:
        counts = run_rules(s, now=T0 + timedelta(hours=1))
    assert counts == {"checked": 4, "opened": 4, "existing": 0}
    with store.session() as s:  # a second, overlapping pass opens nothing new
        again = run_rules(s, now=T0 + timedelta(hours=2), since=T0 - timedelta(days=1))
        assert again["opened"] == 0 and again["existing"] == 4
        keys = sorted(s.scalars(select(Case.source_key)))
        types = sorted(str(t) for t in s.scalars(select(Case.type)))
    assert len(keys) == 4 and all(k and k.startswith("rule:") for k in keys)
    assert types.count("complaint") == 1


def test_racing_passes_on_many_answers_open_each_case_once(store: Store, tmp_path: Path) -> None:
    """200 answers, every fifth a detractor; four passes at once, each retried once."""
    answers = [{"REC": 3 if i % 5 == 0 else 9, "SAT": 4} for i in range(200)]
    answered_wave(store, answers, completed_at=T0)
    with store.session() as s:
        load_rules(s, path=_rules(tmp_path), now=T0 - timedelta(hours=1))
    errors: list[BaseException] = []

    def one_pass() -> None:
        try:
            for _retry in range(2):
                with store.session() as s:
                    run_rules(s, now=T0 + timedelta(days=1), since=T0 - timedelta(days=1))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_pass) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 40
        assert s.scalar(select(func.count(func.distinct(Case.response_id)))) == 40


def test_the_rules_model_is_strict() -> None:
    with pytest.raises(ValueError):
        RuleSetDef.model_validate({"rules": [{"name": "x", "when": {"all": [], "any": []}}]})
