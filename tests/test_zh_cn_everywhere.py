"""zh-CN everywhere: every README command (the commands a user is shown, on the demo
company) is run with ``--lang zh-CN``-equivalent ``CXM_LANG=zh-CN``, and its output — and
every report or table file it writes — must hold no English sentence of the app's message
catalogue: a message whose translation was not applied shows up verbatim in English.

What counts as an English sentence: a fixed part (between ``{placeholders}``) of a catalogue
message with at least three words; parts that the Chinese translation itself keeps (codes,
setting names such as CXM_DATA_KEY) are allowed. Data (customer names, column names of the
user's files, codes) is not in the catalogue and so never flagged."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests import test_readme as readme
from tests.demo_db import demo_copy

LOCALES = Path(__file__).resolve().parents[1] / "src" / "cxm" / "locales" / "zh-CN"
#: Files a command writes that a user reads.
READABLE = {".html", ".md", ".txt", ".csv", ".json"}


@cache
def english_sentences() -> tuple[str, ...]:
    """The fixed parts (three words or more) of every catalogue message, except those the
    Chinese translations keep."""
    catalogue: dict[str, str] = {}
    for path in sorted(LOCALES.glob("*.json")):
        catalogue.update(json.loads(path.read_text(encoding="utf-8")))
    kept = "\n".join(str(v) for v in catalogue.values())
    out = set()
    for msgid in catalogue:
        parts = re.split(r"\{[^{}]*\}", msgid)
        for part in (p for chunk in parts for p in re.split(r"(?<=[.;:!?])\s+", chunk)):
            part = part.strip(" .,:;!?()[]'\"—-\n")
            if len(re.findall(r"[A-Za-z]{2,}", part)) >= 3 and part not in kept:
                out.add(part)
    return tuple(sorted(out, key=len, reverse=True))


def untranslated(text: str) -> list[str]:
    # Scripts inlined in a report (plotly.js) carry their own English messages.
    text = re.sub(r"(?is)<script\b.*?</script>", "", text)
    return [s for s in english_sentences() if s in text]


def test_the_checker_finds_english_and_passes_chinese() -> None:
    """The check itself, on a message rendered in each language."""
    from cxm.i18n import _, language

    message = "Fix them and import the file again"
    assert message in english_sentences()
    with language("en"):
        assert untranslated(
            _(
                "{file}: {n} problems found; nothing was imported. "
                "Fix them and import the file again.",
                file="a.csv",
                n=2,
            )
        )
    with language("zh-CN"):
        rendered = _(
            "{file}: {n} problems found; nothing was imported. Fix them and import the file again.",
            file="a.csv",
            n=2,
        )
    assert rendered != message and not untranslated(rendered)


@pytest.fixture(scope="module")
def zh_folder(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return readme.make_readme_folder(demo_db, tmp_path_factory.mktemp("zh"))


def _leaks(command: str, folder: Path, *, env: dict[str, str] | None = None) -> list[str]:
    """Untranslated English in what ``command`` prints in zh-CN and in the readable files
    it writes into ``folder``. Whether it succeeds is the README test's business: here an
    error message must be in Chinese as much as a result."""
    before = {p: p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}
    _code, output = readme._run(command, folder, lang="zh-CN", env=env)
    found = untranslated(output)
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in READABLE and before.get(path) != path.stat().st_mtime:
            found += [f"{path.name}: {s}" for s in untranslated(path.read_text("utf-8", "replace"))]
    return sorted(set(found))[:8]


def _runs_here(command: str) -> bool:
    # --help: see test_cli_help_is_in_chinese; lines reading standard input run in a
    # process of their own in the README test.
    return command not in readme.SKIPPED and command not in readme.STDIN and "--help" not in command


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [c for c in readme.COMMANDS if _runs_here(c) and c not in readme.IN_SEQUENCE]
)
def test_every_readme_command_speaks_chinese(command: str, zh_folder: Path) -> None:
    """One README line at a time (they run in any order, split over workers, as in the
    README test), on a copy of the demo company with the examples' files."""
    leaks = _leaks(command, zh_folder)
    assert not leaks, f"untranslated English in zh-CN: {command}: {leaks}"


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(readme.SEQUENCES))
def test_readme_lines_that_build_on_each_other_speak_chinese(
    group: str, demo_db: Path, sqlite_template: Path, tmp_path: Path
) -> None:
    """The README's sequences line after line, each on its own copy of the demo company
    (or a new company), as the README test runs them."""
    folder = tmp_path
    if group in readme.FRESH:
        shutil.copyfile(sqlite_template, folder / "cxm.db")
        (folder / "one.csv").write_text("external_id,name\nC000001,张三\n", encoding="utf-8")
        for command, stdin in readme.FRESH[group]:
            code, output = readme._run(command, folder, stdin=stdin)
            assert code == 0, f"set-up `{command}` failed ({code}):\n{output[-3000:]}"
    else:
        demo_copy(demo_db, folder)
    leaks = {}
    for command in readme.SEQUENCES[group]:
        if _runs_here(command):
            found = _leaks(command, folder, env=readme.GROUP_ENV.get(group))
            if found:
                leaks[command] = found
    assert not leaks, "untranslated English in zh-CN:\n" + "\n".join(
        f"  {c}: {found}" for c, found in leaks.items()
    )


def test_cli_help_is_in_chinese(cxm) -> None:  # type: ignore[no-untyped-def]
    done = cxm("--help", lang="zh-CN")
    assert done.exit_code == 0
    assert not untranslated(done.stdout), untranslated(done.stdout)
    assert "客户满意度与忠诚度管理" in done.stdout and "选项：" in done.stdout
    assert "在数据库中生成一家逼真的示例公司。" in done.stdout  # a command's line, whole


def _command_paths() -> list[tuple[str, ...]]:
    import typer

    from cxm.cli import app

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_every_help_text_has_a_translation() -> None:
    """Each command's and option's help text (the English id) is in cli_help.json; run
    ``python -m cxm.cli.help_catalogue --missing-json`` for the ones to add."""
    import typer

    from cxm.cli import app
    from cxm.cli.help_catalogue import help_texts, missing

    command = typer.main.get_command(app)
    assert len(help_texts(command)) > 500
    assert not missing(command), missing(command)


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_every_group_and_command_help_page_speaks_chinese(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every page, as `cxm <group> [<command>] --help` renders it: the click tree is built
    and localised once (as cxm.cli.main does on each run), then asked for each page."""
    import typer

    from cxm.cli import app
    from cxm.cli.help_catalogue import localise
    from cxm.i18n import traditional

    monkeypatch.setenv("COLUMNS", "80")
    command = typer.main.get_command(app)
    localise(command, lang)
    leaks: dict[str, list[str]] = {}
    paths = _command_paths()
    assert len(paths) > 150
    for path in paths:
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            command.main(args=[*path, "--help"], prog_name="cxm")
        assert done.value.code == 0, path
        page = capsys.readouterr().out
        found = untranslated(page)
        heading = "選項：" if lang == "zh-TW" else "选项："
        if heading not in page:
            found.append(f"no heading {heading}")
        wide = [line for line in page.splitlines() if _display_width(line) > 80]
        found += [f"wider than the terminal: {line}" for line in wide]
        if found:
            leaks[" ".join(("cxm", *path))] = found[:5]
    assert not leaks, f"{lang} help pages:\n" + "\n".join(f"  {c}: {f}" for c, f in leaks.items())
    if lang == "zh-TW":
        assert traditional("满意度") == "滿意度"


def test_help_in_traditional_chinese(cxm) -> None:  # type: ignore[no-untyped-def]
    done = cxm("cases", "create", "--help", lang="zh-TW")
    assert done.exit_code == 0
    assert "手動建立工單" in done.stdout or "手動創建工單" in done.stdout, done.stdout
    assert "顯示此幫助資訊並退出" in done.stdout
    assert "[必填]" in done.stdout and "选项" not in done.stdout and "選項：" in done.stdout
    assert not untranslated(done.stdout)
    top = cxm("--help", lang="zh-TW").stdout
    assert "客戶滿意度與忠誠度管理" in top and "客户满意度" not in top


def test_help_language_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --lang, CXM_LANG or the locale decides (language_from_environment)."""
    from cxm.cli import main

    for variable, value in (("CXM_LANG", "zh-CN"), ("LANG", "zh_CN.UTF-8")):
        monkeypatch.delenv("CXM_LANG", raising=False)
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        monkeypatch.setenv(variable, value)
        capsys.readouterr()
        main(["surveys", "--help"])  # returns: no SystemExit when help was shown
        assert "列出问卷及其最新版本。" in capsys.readouterr().out, variable


def test_help_in_english_is_unchanged(cxm) -> None:  # type: ignore[no-untyped-def]
    done = cxm("cases", "create", "--help", lang="en")
    assert done.exit_code == 0
    assert "Usage: " in done.stdout and "Options:" in done.stdout
    assert "Open a case by hand; the first person reached owns it" in done.stdout
    assert "Show this message and exit." in done.stdout and "[required]" in done.stdout
    assert not re.search(r"[\u4e00-\u9fff]", done.stdout)
    top = cxm("--help", lang="en").stdout
    assert "CXM — customer satisfaction and loyalty management." in top
    assert not re.search(r"[\u4e00-\u9fff]", top)


def test_no_arguments_show_the_help_page(  # type: ignore[no-untyped-def]
    cxm, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cxm`, `cxm --lang zh-CN` and `cxm cases` alone: the help page on standard output
    (click squeezed it onto one error line)."""
    from cxm.cli import main

    done = cxm(lang="zh-CN")
    assert done.exit_code == 0 and "命令：" in done.stdout and not done.stderr
    assert "\n  demo " in done.stdout
    group = cxm("cases", lang="zh-CN")
    assert group.exit_code == 0 and "列出工单，截止时间最紧的在前。" in group.stdout
    assert "Show this message" in cxm("cases", lang="en").stdout
    monkeypatch.setenv("CXM_LANG", "zh-TW")
    capsys.readouterr()
    with pytest.raises(SystemExit) as bare:
        main([])
    assert bare.value.code == 0 and "客戶滿意度與忠誠度管理" in capsys.readouterr().out


def test_usage_errors_still_work_in_chinese(cxm) -> None:  # type: ignore[no-untyped-def]
    bad = cxm("cases", "list", "--limit", "abc", lang="zh-CN")
    assert bad.exit_code == 2 and not bad.stdout
    assert bad.stderr.count("\n") == 1 and "'--limit'" in bad.stderr and "'abc'" in bad.stderr
    assert "cases list --help" in bad.stderr and "错误" in bad.stderr
    unknown = cxm("cases", "lisst", lang="zh-TW")
    assert unknown.exit_code == 2 and "lisst" in unknown.stderr and "cases --help" in unknown.stderr


def test_wrapping_counts_a_chinese_character_as_two_columns() -> None:
    from cxm.cli.help_catalogue import wrap

    text = (
        "导入现有投诉记录：先检查每一行，然后全部导入或全不导入；"
        "重复导入相同的行不会改变任何内容（CSV 或 XLSX）。"
    )
    lines = wrap(text, 30, "  ", "  ").splitlines()
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert all(_display_width(line) <= 30 for line in lines), lines
    assert not any(line.strip()[0] in "，。；）" for line in lines)
    assert not any(line.rstrip().endswith("（") for line in lines)
    assert wrap("one two three four", 9) == "one two\nthree\nfour"
