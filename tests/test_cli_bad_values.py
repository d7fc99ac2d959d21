"""Every option that takes a number, a list or a date, given a bad value, gets one line on
standard error naming the option, the value and what is allowed — never a traceback."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cxm.cli import main

#: (command line, option, bad value): every numeric option of the CLI…
NUMBERS = [
    (["analyze", "a.csv", "--model", "ecsi"], "--bootstrap", "many"),
    (["analyze", "a.csv", "--model", "ecsi"], "--seed", "x1"),
    (["serve"], "--port", "http"),
    (["serve"], "--workers", "0"),
    (["demo"], "--customers", "lots"),
    (["demo"], "--seed", "1.5"),
    (["scores", "a.csv", "--items", "Q1"], "--min-n", "some"),
    (["clv", "--segments", "value"], "--discount", "ten%"),
    (["clv", "--segments", "value"], "--horizon", "forever"),
    (["clv", "--segments", "value"], "--months", "x"),
    (["invest", "--segments", "value"], "--budget", "¥1e9x"),
    (["invest", "--segments", "value"], "--improvement", "a lot"),
    (["invest", "--segments", "value"], "--top", "-"),
    (["segments", "define", "v", "--kind", "rfm"], "--months", "x"),
    (["targets", "propose", "value"], "--cost-per-contact", "free"),
    (["targets", "propose", "value"], "--headroom", "none"),
    (["targets", "set", "value", "key", "--kpi", "csat"], "--value", "high"),
    (["targets", "set", "value", "key", "--kpi", "csat", "--value", "0.9"], "--wave", "Q4"),
    (["targets", "report", "value"], "--wave", "last"),
    (["targets", "report", "value"], "--min-n", "0"),
    (["churn", "risk"], "--horizon-days", "half"),
    (["churn", "risk"], "--top", "all"),
    (["retention", "simulate", "--segments", "value"], "--cut", "5%"),
    (["retention", "simulate", "--segments", "value"], "--years", "x"),
    (["retention", "simulate", "--segments", "value"], "--discount", "x"),
    (["retention", "simulate", "--segments", "value"], "--cost-ratio", "x"),
    (["retention", "simulate", "--segments", "value"], "--acquisition-cost", "x"),
    (["waves", "create", "W", "--questionnaire", "ccsi"], "--quiet-days", "x"),
    (["waves", "create", "W", "--questionnaire", "ccsi"], "--quota-each", "-5"),
    (["waves", "create", "W", "--questionnaire", "ccsi"], "--seed", "x"),
    (["waves", "remind", "W"], "--min-days", "x"),
    (["waves", "remind", "W"], "--max-reminders", "x"),
]
#: … and every option whose text the command parses into a list or a date.
TEXTS = [
    (["segments", "define", "v", "--kind", "pareto", "--labels", "a,b"], "--cuts", "0.2,x"),
    (["segments", "define", "v", "--kind", "pareto", "--cuts", "0.5"], "--labels", "a,,b"),
    (["segments", "define", "v", "--kind", "pareto"], "--start", "2026-02-31"),
    (["segments", "define", "v", "--kind", "pareto"], "--end", "yesterday"),
    (["segments", "show", "value"], "--at", "2026-99-01"),
    (["waves", "create", "W", "--questionnaire", "ccsi", "--closes", "2026-10-31"],
     "--opens", "2026-13-01"),
    (["waves", "create", "W", "--questionnaire", "ccsi", "--opens", "2026-10-01"],
     "--closes", "31/10/2026"),
]  # fmt: skip


def _stderr_of(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code: object = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else 1), err.getvalue()


@pytest.mark.parametrize(("argv", "option", "value"), NUMBERS + TEXTS)
def test_a_bad_value_gets_one_line_naming_option_and_value(
    argv: list[str], option: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXM_DATABASE_URL", f"sqlite:///{tmp_path / 'cxm.db'}")
    monkeypatch.chdir(tmp_path)
    code, err = _stderr_of([*argv, option, value])
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert option in lines[0] and repr(value) in lines[0], lines[0]


def test_an_unknown_command_and_a_missing_option_are_one_line_too() -> None:
    for argv, expected in (
        (["nosuch"], "No such command 'nosuch'"),
        (["users", "create", "bob"], "Missing option '--role'"),
    ):
        code, err = _stderr_of(argv)
        assert code == 2
        assert len(err.strip().splitlines()) == 1
        assert err.startswith(f"Error: {expected}.") and "--help' for help." in err
